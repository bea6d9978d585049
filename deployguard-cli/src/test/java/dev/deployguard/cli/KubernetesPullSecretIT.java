package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.TestImages;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kubernetes deploy whose image sits in a registry with htpasswd auth (Debian's docker-registry): the control plane
 * process has no Docker config of its own, and resolves and verifies the signed image with the credentials of the
 * Deployment's pull Secret ({@code kubernetes.io/dockerconfigjson}) read from the cluster (fabric8's mock API
 * server); without the Secret the same deploy is refused as denied, and the password shows nowhere.
 */
class KubernetesPullSecretIT {
    static final String USER = "puller";
    static final String PASSWORD = "k8s-pull-Secret-pa55-never-print";
    @TempDir
    Path dir;
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private DockerRegistry open;
    private DockerRegistry authed;
    private Harness h;
    private String digest;

    @BeforeEach
    void start() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        Process p = new ProcessBuilder("htpasswd", "-B", "-b", "-c", htpasswd.toString(), USER, PASSWORD)
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as("htpasswd (apache2-utils): " + said)
                .isTrue();
        open = DockerRegistry.start();
        authed = DockerRegistry.startHtpasswdOver(open, htpasswd);
        TestImages.push(open.host(), "shop/web", "1.0", "web 1.0\n");
        digest = TestImages.push(open.host(), "shop/web", "2.0", "web 2.0\n");
        CosignSigner signer = new CosignSigner();
        signer.signAndPush(open.host(), "shop/web", digest);
        signer.writePublicKey(dir.resolve("keys/cosign.pub"));

        String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        cluster.client().secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata()
                .withName("regcred").endMetadata().withType("kubernetes.io/dockerconfigjson")
                .withData(Map.of(".dockerconfigjson", Base64.getEncoder().encodeToString(("{\"auths\":{\""
                        + authed.host() + "\":{\"auth\":\"" + auth + "\"}}}").getBytes(StandardCharsets.UTF_8))))
                .build()).create();
        cluster.client().apps().deployments().inNamespace("shop").resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewImagePullSecret("regcred").addNewContainer().withName("web")
                .withImage(authed.host() + "/shop/web:1.0").endContainer().endSpec().endTemplate().endSpec()
                .build()).create();
        cluster.runController(50);

        h = new Harness(dir, "", 1);
        cluster.writeSpec(h.spec, "rolloutTimeout: 20s\n", """
                image:
                  repository: %s/shop/web
                  signature: {publicKey: keys/cosign.pub}
                  timeout: 5s
                """.formatted(authed.host()));
        Path noDockerConfig = Files.createDirectories(dir.resolve("empty-docker-config"));
        h.serverEnv.put("DOCKER_CONFIG", noDockerConfig.toString());
        h.startServer();
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        if (authed != null) {
            authed.close();
        }
        if (open != null) {
            open.close();
        }
    }

    @Test
    void theDeploymentsPullSecretLetsTheSignedImageThroughAndItsAbsenceIsADenial() throws Exception {
        // the checklist (run by the control plane) reads the registry with the same Secret
        Harness.Run checked = h.cli("check", "web", "--version", "2.0", "-o", "json");
        var results = new java.util.HashMap<String, String>();
        checked.json().path("results").forEach(c -> results.put(c.path("name").asText(), c.path("status").asText()
                + " " + c.path("evidence").asText()));
        assertThat(results.get("registry")).as(checked.out()).startsWith("PASS");
        assertThat(results.get("image.signature")).as(checked.out()).startsWith("PASS");
        assertThat(checked.out()).doesNotContain(PASSWORD);

        Harness.Run deployed = h.ok("deploy", "web", "--version", "2.0", "--skip-checks");

        assertThat(cluster.image("web")).isEqualTo(authed.host() + "/shop/web@" + digest);
        String events = h.ok("events", "web").out();
        assertThat(events).contains("signature verified").doesNotContain(PASSWORD);
        assertThat(deployed.out() + deployed.err()).doesNotContain(PASSWORD);

        cluster.client().secrets().inNamespace("shop").withName("regcred").delete();
        Harness.Run refused = h.cli("deploy", "web", "--version", "1.0", "--skip-checks");
        assertThat(refused.exit()).isEqualTo(5);
        assertThat(refused.err() + refused.out()).contains("denied access to " + authed.host() + "/shop/web:1.0")
                .doesNotContain(PASSWORD);
        assertThat(cluster.image("web")).isEqualTo(authed.host() + "/shop/web@" + digest);
        assertThat(Files.readString(dir.resolve("server-0.log"))).doesNotContain(PASSWORD);
    }
}
