package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RouterConfigTest {
    @Test
    void argumentsRoundTrip() {
        RouterConfig config = new RouterConfig("web", "127.0.0.1:8080", 41000, Path.of("/tmp/s.json"),
                Path.of("/tmp/token"));

        assertThat(RouterConfig.parse(config.toArgs().toArray(String[]::new))).isEqualTo(config);
    }

    @Test
    void missingOptionsAreNamed() {
        assertThatThrownBy(() -> RouterConfig.parse("--app", "web", "--listen", "127.0.0.1:8080"))
                .hasMessageContaining("missing --admin-port, --state-file, --token-file");
    }

    @Test
    void listenMustBeHostAndPort() {
        assertThatThrownBy(() -> RouterConfig.parse("--app", "web", "--listen", "8080", "--admin-port", "1",
                "--state-file", "s", "--token-file", "t"))
                .hasMessageContaining("expected HOST:PORT");
    }

    @Test
    void ipv6HostsAreBracketed() {
        HostPort address = HostPort.parse("[::1]:8080");

        assertThat(address.host()).isEqualTo("::1");
        assertThat(address.port()).isEqualTo(8080);
        assertThat(address).hasToString("[::1]:8080");
        assertThatThrownBy(() -> HostPort.parse("::1:8080")).hasMessageContaining("brackets");
    }
}
