package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import org.junit.jupiter.api.Test;

class ServerCommandTest {
    @Test
    void thePrometheusUrlFlagWinsOverTheEnvironmentWhichStillWorksAlone() {
        assertThat(ServerCommand.prometheusUrl("http://flag:9090", "http://env:9090")).isEqualTo("http://flag:9090");
        assertThat(ServerCommand.prometheusUrl(null, "https://env:9090/prom")).isEqualTo("https://env:9090/prom");
        assertThat(ServerCommand.prometheusUrl(null, "  ")).isNull();
        assertThat(ServerCommand.prometheusUrl(null, null)).isNull();
    }

    @Test
    void aBadUrlFromTheEnvironmentIsNamedAsSuch() {
        assertThatThrownBy(() -> ServerCommand.prometheusUrl(null, "ftp://prometheus"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageStartingWith("DEPLOYGUARD_PROMETHEUS_URL: expected Prometheus' base URL")
                .hasMessageContaining("got 'ftp://prometheus'");
        assertThatThrownBy(() -> ServerCommand.prometheusUrl("http://prom etheus", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageStartingWith("--prometheus-url: not a URL: 'http://prom etheus'");
    }
}
