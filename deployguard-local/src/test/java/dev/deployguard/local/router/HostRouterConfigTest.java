package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The host router's arguments (RouterArgs): each bad one named. */
class HostRouterConfigTest {
    @Test
    void argumentsRoundTrip() {
        HostRouterConfig config = new HostRouterConfig(41000, Path.of("/tmp/routers"), Path.of("/tmp/token"));

        assertThat(HostRouterConfig.parse(config.toArgs().toArray(String[]::new))).isEqualTo(config);
    }

    @Test
    void missingOptionsAreNamed() {
        assertThatThrownBy(() -> HostRouterConfig.parse("--admin-port", "41000"))
                .hasMessage("missing --state-dir, --token-file");
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
    }
}
