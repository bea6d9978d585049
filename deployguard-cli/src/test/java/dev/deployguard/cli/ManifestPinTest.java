package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard image build --pin} on a kustomization: the {@code images:} entry of the shipped manifest's image
 * name set to the built digest as {@code kustomize edit set image} writes it (kubernetes-sigs/kustomize
 * {@code api/types/image.go}: name, newName, digest), other entries and lines kept; and real kubectl 1.32's
 * {@code kubectl kustomize} over the install manifests renders the control plane's Deployment with that digest.
 */
class ManifestPinTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);
    private static final String REF = "registry.example.com/platform/deployguard:0.2.0@" + DIGEST;

    @TempDir
    Path dir;

    @Test
    void aKustomizationWithoutImagesGetsTheEntry() throws Exception {
        Path k = dir.resolve("kustomization.yaml");
        Files.writeString(k, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
                + "  - ../base\n");
        assertThat(ManifestPin.pin(k, REF)).isNull();
        assertThat(Files.readAllLines(k)).containsExactly("apiVersion: kustomize.config.k8s.io/v1beta1",
                "kind: Kustomization", "resources:", "  - ../base", "images:", "  - name: deployguard/deployguard",
                "    newName: registry.example.com/platform/deployguard", "    digest: " + DIGEST);
    }

    @Test
    void anEarlierPinIsReplacedAndOtherImagesAndLinesStay() throws Exception {
        Path k = dir.resolve("overlay.yaml");
        Files.writeString(k, """
                kind: Kustomization
                images:
                - name: busybox
                  newTag: "1.36.1"
                - name: deployguard/deployguard
                  newName: old.example.com/deployguard
                  digest: sha256:0000000000000000000000000000000000000000000000000000000000000000

                # the namespace all objects go to
                namespace: deployguard
                """);
        assertThat(ManifestPin.pin(k, REF)).isEqualTo("old.example.com/deployguard@sha256:"
                + "0".repeat(64));
        assertThat(Files.readAllLines(k)).containsExactly("kind: Kustomization", "images:", "- name: busybox",
                "  newTag: \"1.36.1\"", "- name: deployguard/deployguard",
                "  newName: registry.example.com/platform/deployguard", "  digest: " + DIGEST, "",
                "# the namespace all objects go to", "namespace: deployguard");
    }

    @Test
    void realKubectlKustomizeRendersTheInstallManifestsWithThePinnedDigest() throws Exception {
        Tools.require("kubectl kustomize of the install manifests pinned to a digest");
        List<String> resources = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("..", "deploy", "kubernetes"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
                resources.add("  - " + f.getFileName());
            }
        }
        Path k = dir.resolve("kustomization.yaml");
        Files.writeString(k, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
                + String.join("\n", resources) + "\n");

        ManifestPin.pin(k, REF);

        Process p = new ProcessBuilder(Tools.dir().resolve("kubectl").toString(), "kustomize", dir.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("image: registry.example.com/platform/deployguard@" + DIGEST)
                .doesNotContain("image: deployguard/deployguard:0.1.0");
    }
}
