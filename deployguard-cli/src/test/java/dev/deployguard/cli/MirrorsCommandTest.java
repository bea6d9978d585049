package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deployguard mirrors hosts-toml}: containerd's hosts.toml from the spec, printed or written. */
class MirrorsCommandTest {
    @TempDir
    Path dir;

    private Path spec(String image) throws Exception {
        Path f = dir.resolve("deployguard.yaml");
        Files.writeString(f, """
                apps:
                  web:
                    platform:
                      kubernetes: {namespace: shop}
                """ + image);
        return f;
    }

    @Test
    void printsAndWritesTheMirrorsOfTheAppsImage() throws Exception {
        Path f = spec("""
                    image:
                      repository: registry.example.com/shop/web
                      mirrors: [mirror-1.local:5000, mirror-2.local]
                """);

        CommandTreeTest.Run printed = CommandTreeTest.run("mirrors", "hosts-toml", "web", "-f", f.toString());

        assertThat(printed.exit()).isZero();
        assertThat(printed.out()).contains("server = \"https://registry.example.com\"",
                "[host.\"https://mirror-1.local:5000\"]\n  capabilities = [\"pull\", \"resolve\"]",
                "[host.\"https://mirror-2.local\"]");

        CommandTreeTest.Run written = CommandTreeTest.run("mirrors", "hosts-toml", "web", "-f", f.toString(),
                "--out", dir.resolve("certs.d").toString());
        assertThat(written.exit()).isZero();
        Path file = dir.resolve("certs.d/registry.example.com/hosts.toml");
        assertThat(Files.readString(file)).isEqualTo(printed.out());
        assertThat(written.out()).contains("/etc/containerd/certs.d/registry.example.com/hosts.toml");
    }

    @Test
    void anAppWithoutAnImageIsRefusedWithExitTwo() throws Exception {
        Path f = spec("");
        CommandTreeTest.Run r = CommandTreeTest.run("mirrors", "hosts-toml", "web", "-f", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("app web has no image section");
    }
}
