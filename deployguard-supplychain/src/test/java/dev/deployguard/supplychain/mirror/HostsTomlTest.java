package dev.deployguard.supplychain.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.spec.ImageSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** containerd hosts.toml (containerd docs/hosts.md) for an image's mirrors: pull-only, in order, then the server. */
class HostsTomlTest {
    private static ImageSpec image(String registry, List<String> mirrors, Boolean insecure) {
        return new ImageSpec(registry, "shop/web", "${version}", mirrors, insecure, null,
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
    }

    @Test
    void mirrorsInOrderWithPullOnlyCapabilitiesThenTheRegistry() {
        String toml = HostsToml.render("web", image("registry.example.com", List.of("mirror-1.local:5000",
                "mirror-2.local"), null));

        assertThat(toml.lines().filter(l -> !l.startsWith("#"))).containsExactly(
                "server = \"https://registry.example.com\"",
                "",
                "[host.\"https://mirror-1.local:5000\"]",
                "  capabilities = [\"pull\", \"resolve\"]",
                "",
                "[host.\"https://mirror-2.local\"]",
                "  capabilities = [\"pull\", \"resolve\"]");
        assertThat(toml).doesNotContain("push");
        assertThat(toml).contains("/etc/containerd/certs.d/registry.example.com/hosts.toml");
        assertThat(HostsToml.directory(image("registry.example.com", List.of(), null)))
                .isEqualTo("registry.example.com");
    }

    @Test
    void plainHttpFollowsTheImageSectionsRuleAndDockerHubUsesItsApiHost() {
        String local = HostsToml.render("web", image("127.0.0.1:5000", List.of("127.0.0.1:5001",
                "mirror.example.com"), null));
        assertThat(local).contains("server = \"http://127.0.0.1:5000\"", "[host.\"http://127.0.0.1:5001\"]",
                "[host.\"https://mirror.example.com\"]");
        assertThat(HostsToml.render("web", image("docker.io", List.of("mirror.gcr.io"), false)))
                .contains("server = \"https://registry-1.docker.io\"", "[host.\"https://mirror.gcr.io\"]");
        assertThat(HostsToml.render("web", image("registry.internal", List.of(), true)))
                .contains("server = \"http://registry.internal\"");
        assertThat(HostsToml.quote("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    }
}
