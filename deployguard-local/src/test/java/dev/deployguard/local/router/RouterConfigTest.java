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
    void tlsAndAccessLogArgumentsRoundTrip() {
        RouterConfig config = new RouterConfig("web", "127.0.0.1:8080", 41000, Path.of("/tmp/s.json"),
                Path.of("/tmp/token"))
                .withTls("127.0.0.1:8443", Path.of("/etc/tls/web.pem"), Path.of("/etc/tls/web.key"))
                .withAccessLog(Path.of("/var/log/web.access.log"));

        assertThat(config.toArgs()).containsSubsequence("--tls-listen", "127.0.0.1:8443", "--tls-cert",
                "/etc/tls/web.pem", "--tls-key", "/etc/tls/web.key", "--access-log", "/var/log/web.access.log");
        assertThat(RouterConfig.parse(config.toArgs().toArray(String[]::new))).isEqualTo(config);
    }

    @Test
    void tlsNeedsAddressCertificateAndKeyTogether() {
        assertThatThrownBy(() -> RouterConfig.parse("--app", "web", "--listen", "127.0.0.1:8080", "--admin-port", "1",
                "--state-file", "s", "--token-file", "t", "--tls-listen", "127.0.0.1:8443", "--tls-cert", "c.pem"))
                .hasMessageContaining("TLS needs all of --tls-listen, --tls-cert and --tls-key")
                .hasMessageContaining("given: --tls-listen --tls-cert");
        assertThatThrownBy(() -> RouterConfig.parse("--app", "web", "--listen", "127.0.0.1:8080", "--admin-port", "1",
                "--state-file", "s", "--token-file", "t", "--tls-listen", "127.0.0.1:8080", "--tls-cert", "c.pem",
                "--tls-key", "k.pem"))
                .hasMessageContaining("--tls-listen must differ from --listen");
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
