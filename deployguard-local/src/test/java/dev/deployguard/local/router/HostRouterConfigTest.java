package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The host router's arguments are parsed as one router's are (RouterArgs): the same errors, the same words. */
class HostRouterConfigTest {
    @Test
    void argumentsRoundTrip() {
        HostRouterConfig config = new HostRouterConfig(41000, Path.of("/tmp/routers"), Path.of("/tmp/token"));

        assertThat(HostRouterConfig.parse(config.toArgs().toArray(String[]::new))).isEqualTo(config);
    }

    @Test
    void missingOptionsAreNamedAsARoutersAre() {
        assertThatThrownBy(() -> HostRouterConfig.parse("--admin-port", "41000"))
                .hasMessage("missing --state-dir, --token-file");
        assertThatThrownBy(() -> RouterConfig.parse("--app", "web", "--listen", "127.0.0.1:8080", "--admin-port",
                "41000")).hasMessage("missing --state-file, --token-file");
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> HostRouterConfig.parse("--admin-port", "41000", "--state-dir", "d", "--app", "web"))
                .hasMessage("unknown option --app");
        assertThatThrownBy(() -> HostRouterConfig.parse("--admin-port")).hasMessage("missing value after --admin-port");
        assertThatThrownBy(() -> HostRouterConfig.parse("--admin-port", "x", "--state-dir", "d", "--token-file", "t"))
                .hasMessage("--admin-port is not a number: 'x'");
        assertThatThrownBy(() -> HostRouterConfig.parse("--admin-port", "0", "--state-dir", "d", "--token-file", "t"))
                .hasMessage("admin port must be within 1..65535, was 0");
        assertThatThrownBy(() -> RouterConfig.parse("--app", "web", "--state-dir", "d"))
                .hasMessage("unknown option --state-dir");
    }
}
