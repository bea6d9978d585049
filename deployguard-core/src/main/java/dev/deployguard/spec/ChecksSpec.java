package dev.deployguard.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The app's {@code checks} section: the pre-deployment checklist's configuration — how long each check may take,
 * which checks to leave out, and the settings of the checks that need some (scanner reports, the migration
 * history's database, the chart, the free disk space). Paths are already resolved against the spec file's
 * directory. An app without the section gets {@link #DEFAULTS}.
 *
 * @param timeout         how long each check may take before it is reported "cannot tell"
 * @param skip            names of checks to leave out (validated against {@link dev.deployguard.check.CheckNames})
 * @param vulnerabilities the scanner-report gate, or null when not configured
 * @param migrations      the Flyway history to inspect, or null when not configured
 * @param chart           the Helm chart to lint and render, or null when not configured
 * @param disk            the free-space floor for the local platform
 */
public record ChecksSpec(Duration timeout, Set<String> skip, Vulnerabilities vulnerabilities, Migrations migrations,
                         Chart chart, Disk disk) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final long DEFAULT_MIN_FREE_BYTES = 100L * 1000 * 1000;
    public static final String DEFAULT_FAIL_ON = "high";
    public static final String DEFAULT_MIGRATIONS_TABLE = "flyway_schema_history";
    /** The severities a scanner-report gate understands, most severe first. */
    public static final List<String> SEVERITIES = List.of("critical", "high", "medium", "low", "negligible");

    /** What an app without a {@code checks} section gets. */
    public static final ChecksSpec DEFAULTS = new ChecksSpec(DEFAULT_TIMEOUT, Set.of(), null, null, null,
            new Disk(DEFAULT_MIN_FREE_BYTES));

    public ChecksSpec {
        Objects.requireNonNull(timeout, "timeout");
        skip = Set.copyOf(skip);
        Objects.requireNonNull(disk, "disk");
    }

    /** Whether the check called {@code name} is to run. */
    public boolean enabled(String name) {
        return !skip.contains(name);
    }

    /**
     * Scanner reports (Grype JSON, Trivy JSON, SARIF) to gate on.
     *
     * @param reports   absolute path templates; {@code ${version}} is filled by {@link #reports(String)}
     * @param failOn    the lowest severity that fails the gate, one of {@link #SEVERITIES}
     * @param allowlist accepted findings, each until a date and with a reason
     */
    public record Vulnerabilities(List<String> reports, String failOn, List<AllowlistEntry> allowlist) {
        public Vulnerabilities {
            reports = List.copyOf(reports);
            Objects.requireNonNull(failOn, "failOn");
            allowlist = List.copyOf(allowlist);
        }

        /** The report files for one version ({@code ${version}} replaced; null version leaves it unfilled). */
        public List<Path> reports(String version) {
            return reports.stream()
                    .map(r -> Path.of(version == null ? r : r.replace("${version}", version)))
                    .toList();
        }
    }

    /** One accepted vulnerability: its id (CVE-..., GHSA-...), the last day it is accepted, and why. */
    public record AllowlistEntry(String id, LocalDate until, String reason) {
        public AllowlistEntry {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(until, "until");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The Flyway schema history to inspect for failed or running migrations. Credentials come only from the named
     * environment variables (either may be null: no user / no password).
     */
    public record Migrations(String jdbcUrl, String userEnv, String passwordEnv, String table) {
        public Migrations {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            Objects.requireNonNull(table, "table");
        }
    }

    /** A Helm chart directory and extra values files, all absolute. */
    public record Chart(Path path, List<Path> values) {
        public Chart {
            Objects.requireNonNull(path, "path");
            values = List.copyOf(values);
        }
    }

    /** The least free space, in bytes, where the local platform writes instance logs and state. */
    public record Disk(long minFreeBytes) {
    }
}
