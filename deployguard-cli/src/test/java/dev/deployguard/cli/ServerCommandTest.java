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

    /** Bad {@code --leader-elect} combinations stop the start with exit 2 and a message, before anything is opened. */
    @Test
    void badLeaderElectionFlagsAreRefusedWithExit2(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path spec = dir.resolve("deployguard.yaml");
        java.nio.file.Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["java", "-version", "${port}"]
                        listen: 127.0.0.1:1
                """);
        String pgUrl = "jdbc:postgresql://127.0.0.1:1/deployguard";
        assertRefused(dir, spec, "--leader-elect: expected kubernetes (a Kubernetes Lease) or postgres",
                "--store-url", pgUrl, "--leader-elect=zookeeper");
        assertRefused(dir, spec, "--leader-elect needs --store-url", "--leader-elect=postgres");
        assertRefused(dir, spec, "--leader-elect=postgres needs a PostgreSQL --store-url",
                "--store-url", "jdbc:h2:" + dir.resolve("db"), "--leader-elect=postgres");
        assertRefused(dir, spec, "--lease-namespace only applies with --leader-elect=kubernetes",
                "--store-url", pgUrl, "--leader-elect=postgres", "--lease-namespace", "deployguard");
        assertRefused(dir, spec, "need --retry-period < --renew-deadline < --lease-duration",
                "--store-url", pgUrl, "--leader-elect=postgres", "--lease-duration", "2s");
        assertThat(dir.resolve("state").resolve("server.json")).doesNotExist();
        assertThat(dir.resolve("db.mv.db")).doesNotExist();
    }

    private static void assertRefused(java.nio.file.Path dir, java.nio.file.Path spec, String message,
                                      String... flags) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--state-dir",
                dir.resolve("state").toString(), "server", "-f", spec.toString(), "--listen", "127.0.0.1:0"));
        args.addAll(java.util.List.of(flags));
        java.io.PrintStream err = System.err;
        var captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        int exit;
        try {
            exit = DeployGuard.run(args.toArray(String[]::new));
        } finally {
            System.setErr(err);
        }
        String text = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(exit).as(text).isEqualTo(2);
        assertThat(text).contains(message);
    }
}
