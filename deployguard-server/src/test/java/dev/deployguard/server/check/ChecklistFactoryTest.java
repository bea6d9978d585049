package dev.deployguard.server.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.check.ChecklistVerdict;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.SpecParser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecklistFactoryTest {
    @TempDir
    Path dir;

    private AppSpec app(int listen, String more) {
        return new SpecParser().parse("""
                apps:
                  web:
                    platform:
                      local: {command: ["sh", "-c", "exec server", "${port}"], listen: "127.0.0.1:%d"}
                """.formatted(listen) + more.indent(4), "deployguard.yaml", dir).app("web").orElseThrow();
    }

    private ChecklistReport run(AppSpec app, String version, Map<String, String> env) {
        return new ChecklistFactory(dir.resolve("state"), env, Clock.systemUTC()).run(app, version);
    }

    private static ServerSocket listening() throws IOException {
        var s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return s;
    }

    private static int freePort() throws IOException {
        try (var s = listening()) {
            return s.getLocalPort();
        }
    }

    private static CheckResult result(ChecklistReport report, String name) {
        return report.results().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aLocalAppGetsTheLocalChecksAndIsReady() throws IOException {
        ChecklistReport report = run(app(freePort(), ""), "1.0", Map.of("PATH", "/usr/bin:/bin"));

        assertThat(report.results()).extracting(CheckResult::name)
                .containsExactly("local.command", "local.ports", "local.disk");
        assertThat(report.verdict()).as(report.results().toString()).isEqualTo(ChecklistVerdict.READY);
        assertThat(result(report, "local.disk").data().get("path")).isEqualTo(dir.resolve("state/logs").toString());
    }

    @Test
    void theBlueGreenPreviewAddressIsCheckedToo() throws IOException {
        try (var busy = listening()) {
            int preview = busy.getLocalPort();
            ChecklistReport report = run(app(freePort(), "strategy: {blueGreen: {previewListen: \"127.0.0.1:"
                    + preview + "\"}}"), "1.0", Map.of("PATH", "/usr/bin:/bin"));

            CheckResult ports = result(report, "local.ports");
            assertThat(ports.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(ports.evidence()).isEqualTo("port " + preview + " (127.0.0.1:" + preview
                    + ") is in use by another process");
            assertThat(ports.remedy()).contains("apps.web.strategy.blueGreen.previewListen");
            assertThat(report.verdict()).isEqualTo(ChecklistVerdict.NOT_READY);
        }
    }

    @Test
    void skippedChecksAreReportedNotRun() throws IOException {
        ChecklistReport report = run(app(freePort(), "checks: {skip: [local.command], disk: {minFree: 1000000TB}}"),
                "1.0", Map.of("PATH", ""));

        assertThat(result(report, "local.command").status()).isEqualTo(CheckStatus.SKIPPED);
        assertThat(result(report, "local.disk").status()).as("the spec's floor is used").isEqualTo(CheckStatus.FAIL);
    }

    @Test
    void migrationsWithAnUnsetCredentialVariableCannotTellAndNameIt() throws IOException {
        ChecklistReport report = run(app(freePort(), """
                checks:
                  migrations: {jdbcUrl: "jdbc:postgresql://127.0.0.1:1/app", userEnv: APP_DB_USER,
                               passwordEnv: APP_DB_PASSWORD}
                """), "1.0", Map.of("PATH", "/usr/bin:/bin", "APP_DB_USER", "app"));

        CheckResult m = result(report, "migrations");
        assertThat(m.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(m.evidence()).isEqualTo("cannot connect to the migration history: environment variable"
                + " APP_DB_PASSWORD is not set");
        assertThat(m.remedy()).contains("apps.web.checks.migrations");
    }

    @Test
    void vulnerabilityReportsAreTheVersionsOwn() throws IOException {
        AppSpec app = app(freePort(), "checks: {vulnerabilities: {reports: [\"reports/grype-${version}.json\"]}}");

        CheckResult withVersion = result(run(app, "1.2", Map.of("PATH", "/usr/bin:/bin")), "vulnerabilities");
        CheckResult without = result(run(app, null, Map.of("PATH", "/usr/bin:/bin")), "vulnerabilities");

        assertThat(withVersion.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(withVersion.evidence()).contains(dir.resolve("reports/grype-1.2.json").toString());
        assertThat(without.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(without.evidence()).isEqualTo("the scanner report paths depend on the version, and none was"
                + " given");
    }
}
