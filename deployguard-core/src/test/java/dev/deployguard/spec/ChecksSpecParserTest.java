package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChecksSpecParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path BASE = Path.of("/srv/app");
    private final List<String> problems = new ArrayList<>();

    private ChecksSpec parse(String yaml) {
        try {
            JsonNode node = YAML.readTree(yaml);
            return ChecksSpecParser.parse(node, "apps.web.checks", BASE, problems);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsEveryField() {
        ChecksSpec spec = parse("""
                timeout: 3s
                skip: [local.disk]
                vulnerabilities:
                  reports: ["reports/grype-${version}.json", ../trivy.json, /abs/scan.sarif]
                  failOn: CRITICAL
                  allowlist:
                    - {id: CVE-2024-1234, until: 2026-12-31, reason: "not reachable: we never parse XML"}
                migrations:
                  jdbcUrl: jdbc:postgresql://127.0.0.1:5432/app
                  userEnv: APP_DB_USER
                  passwordEnv: APP_DB_PASSWORD
                chart: {path: charts/web, values: [values.yaml]}
                disk: {minFree: 500MB}
                """);

        assertThat(problems).isEmpty();
        assertThat(spec.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(spec.skip()).isEqualTo(Set.of("local.disk"));
        assertThat(spec.enabled("local.disk")).isFalse();
        assertThat(spec.enabled("local.ports")).isTrue();
        var v = spec.vulnerabilities();
        assertThat(v.reports("1.4.2")).containsExactly(Path.of("/srv/app/reports/grype-1.4.2.json"),
                Path.of("/srv/trivy.json"), Path.of("/abs/scan.sarif"));
        assertThat(v.failOn()).isEqualTo("critical");
        assertThat(v.allowlist()).containsExactly(new ChecksSpec.AllowlistEntry("CVE-2024-1234",
                LocalDate.of(2026, 12, 31), "not reachable: we never parse XML"));
        assertThat(spec.migrations()).isEqualTo(new ChecksSpec.Migrations("jdbc:postgresql://127.0.0.1:5432/app",
                "APP_DB_USER", "APP_DB_PASSWORD", "flyway_schema_history"));
        assertThat(spec.chart()).isEqualTo(new ChecksSpec.Chart(Path.of("/srv/app/charts/web"),
                List.of(Path.of("/srv/app/values.yaml"))));
        assertThat(spec.disk().minFreeBytes()).isEqualTo(500_000_000L);
    }

    @Test
    void appliesDefaults() {
        ChecksSpec spec = parse("vulnerabilities: {reports: [grype.json]}");

        assertThat(problems).isEmpty();
        assertThat(spec.timeout()).isEqualTo(ChecksSpec.DEFAULT_TIMEOUT);
        assertThat(spec.skip()).isEmpty();
        assertThat(spec.vulnerabilities().failOn()).isEqualTo("high");
        assertThat(spec.vulnerabilities().allowlist()).isEmpty();
        assertThat(spec.migrations()).isNull();
        assertThat(spec.chart()).isNull();
        assertThat(spec.disk().minFreeBytes()).isEqualTo(100_000_000L);
        assertThat(ChecksSpec.DEFAULTS.disk().minFreeBytes()).isEqualTo(100_000_000L);
    }

    @Test
    void anUnknownCheckNameListsTheKnownOnes() {
        assertThat(parse("skip: [local.disc]")).isNull();

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("apps.web.checks.skip[0]: unknown check 'local.disc'; expected one of:")
                .contains("local.disk", "local.ports", "image.signature", "migrations");
    }

    @Test
    void anAllowlistEntryNeedsIdUntilAndReason() {
        parse("""
                vulnerabilities:
                  reports: [grype.json]
                  allowlist:
                    - {id: CVE-1}
                    - {id: CVE-2, until: next week, reason: x}
                """);

        assertThat(problems).containsExactly(
                "apps.web.checks.vulnerabilities.allowlist[0].until: missing; every allowlist entry needs an expiry"
                        + " date, e.g. 2026-12-31",
                "apps.web.checks.vulnerabilities.allowlist[0].reason: missing; say why the finding is accepted"
                        + " (e.g. \"not reachable: we never parse XML\")",
                "apps.web.checks.vulnerabilities.allowlist[1].until: expected a date as YYYY-MM-DD, got 'next week'");
    }

    @Test
    void rejectsBadValuesWithTheirPath() {
        parse("""
                timeout: soon
                vulnerabilities: {reports: ["r-${commit}.json"], failOn: severe}
                migrations: {jdbcUrl: "postgresql://db/app", userEnv: "APP-USER", table: "x; drop table y"}
                chart: {values: [v.yaml]}
                disk: {minFree: lots}
                """);

        assertThat(problems).containsExactlyInAnyOrder(
                "apps.web.checks.timeout: expected a duration such as 500ms, 30s, 2m or 1h, got 'soon'",
                "apps.web.checks.vulnerabilities.reports[0]: unknown placeholder ${commit}; only ${version} is"
                        + " filled",
                "apps.web.checks.vulnerabilities.failOn: expected one of critical, high, medium, low, negligible,"
                        + " got 'severe'",
                "apps.web.checks.migrations.jdbcUrl: expected a JDBC URL starting with 'jdbc:', e.g."
                        + " jdbc:postgresql://127.0.0.1:5432/app",
                "apps.web.checks.migrations.userEnv: expected the name of an environment variable (letters, digits,"
                        + " '_'), got 'APP-USER'",
                "apps.web.checks.migrations.table: expected a table name (letters, digits, '_', optionally"
                        + " schema.table), got 'x; drop table y'",
                "apps.web.checks.chart.path: missing; expected the chart directory, e.g. charts/web",
                "apps.web.checks.disk.minFree: expected a size such as 500MB, 2GB or 512MiB, got 'lots'");
    }

    @Test
    void aPasswordInTheJdbcUrlIsRefusedWithoutEchoingIt() {
        parse("migrations: {jdbcUrl: \"jdbc:postgresql://db/app?user=app&password=hunter2\"}");

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("apps.web.checks.migrations.jdbcUrl: holds a password")
                .doesNotContain("hunter2");
    }

    @Test
    void unknownFieldsAreErrors() {
        assertThat(parse("vulnerabilities: {reports: [a.json], failon: high}")).isNull();

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).isEqualTo("apps.web.checks.vulnerabilities.failon: unknown field 'failon'; expected one of:"
                + " allowlist, failOn, reports");
    }

    @Test
    void sizesInDecimalAndBinaryUnits() {
        assertThat(ChecksSpecParser.bytes("512MiB", "x", problems)).isEqualTo(512L << 20);
        assertThat(ChecksSpecParser.bytes("2GB", "x", problems)).isEqualTo(2_000_000_000L);
        assertThat(ChecksSpecParser.bytes("4096", "x", problems)).isEqualTo(4096);
        assertThat(problems).isEmpty();
    }

    @Test
    void theSectionIsReadThroughTheWholeSpec() {
        Spec spec = new SpecParser().parse("""
                apps:
                  web:
                    platform:
                      local: {command: ["./server", "${port}"], listen: 127.0.0.1:8080}
                    checks: {timeout: 2s, skip: [local.ports]}
                """, "deployguard.yaml", BASE);

        assertThat(spec.app("web").orElseThrow().checks().timeout()).isEqualTo(Duration.ofSeconds(2));
    }
}
