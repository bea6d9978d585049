package dev.deployguard.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.check.CheckNames;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Validates an app's {@code checks} section (see {@link ChecksSpec}). */
public final class ChecksSpecParser {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    // The table name ends up in SQL, so only plain identifiers (optionally schema-qualified) are accepted.
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?");
    private static final Pattern SECRET_IN_URL = Pattern.compile("(?i)(password|passwd|pwd)=|//[^/@]*:[^/@]*@");

    private ChecksSpecParser() {
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static ChecksSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        int before = problems.size();
        RawChecks raw = SpecSections.read(node, RawChecks.class, at, problems);
        if (raw == null) {
            return null;
        }
        Duration timeout = SpecSections.duration(raw.timeout, ChecksSpec.DEFAULT_TIMEOUT, at + ".timeout", problems);
        if (timeout != null && timeout.isZero()) {
            problems.add(at + ".timeout: expected more than 0, e.g. 5s");
        }
        Set<String> skip = skip(raw.skip, at + ".skip", problems);
        var vulnerabilities = raw.vulnerabilities == null ? null
                : vulnerabilities(raw.vulnerabilities, at + ".vulnerabilities", baseDir, problems);
        var migrations = raw.migrations == null ? null : migrations(raw.migrations, at + ".migrations", problems);
        var chart = raw.chart == null ? null : chart(raw.chart, at + ".chart", baseDir, problems);
        long minFree = raw.disk == null || raw.disk.minFree == null ? ChecksSpec.DEFAULT_MIN_FREE_BYTES
                : bytes(raw.disk.minFree, at + ".disk.minFree", problems);
        if (problems.size() > before) {
            return null;
        }
        return new ChecksSpec(timeout, skip, vulnerabilities, migrations, chart, new ChecksSpec.Disk(minFree));
    }

    private static Set<String> skip(List<String> names, String at, List<String> problems) {
        Set<String> skip = new LinkedHashSet<>();
        if (names == null) {
            return skip;
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name == null || !CheckNames.ALL.contains(name)) {
                problems.add(at + "[" + i + "]: unknown check '" + name + "'; expected one of: "
                        + String.join(", ", CheckNames.ALL));
            } else {
                skip.add(name);
            }
        }
        return skip;
    }

    private static ChecksSpec.Vulnerabilities vulnerabilities(RawVulnerabilities raw, String at, Path baseDir,
                                                              List<String> problems) {
        List<String> reports = new ArrayList<>();
        if (raw.reports == null || raw.reports.isEmpty()) {
            problems.add(at + ".reports: missing; expected the scanner reports to gate on (Grype JSON, Trivy JSON"
                    + " or SARIF), e.g. [reports/grype-${version}.json]");
        } else {
            for (int i = 0; i < raw.reports.size(); i++) {
                String r = raw.reports.get(i);
                String rat = at + ".reports[" + i + "]";
                if (r == null || r.isBlank()) {
                    problems.add(rat + ": expected a file path");
                    continue;
                }
                Matcher m = PLACEHOLDER.matcher(r);
                boolean ok = true;
                while (m.find()) {
                    if (!m.group(1).equals("version")) {
                        problems.add(rat + ": unknown placeholder ${" + m.group(1) + "}; only ${version} is filled");
                        ok = false;
                    }
                }
                if (ok) {
                    reports.add(baseDir.resolve(r).normalize().toString());
                }
            }
        }
        String failOn = raw.failOn == null ? ChecksSpec.DEFAULT_FAIL_ON : raw.failOn.toLowerCase(Locale.ROOT);
        if (!ChecksSpec.SEVERITIES.contains(failOn)) {
            problems.add(at + ".failOn: expected one of " + String.join(", ", ChecksSpec.SEVERITIES) + ", got '"
                    + raw.failOn + "'");
        }
        List<ChecksSpec.AllowlistEntry> allowlist = new ArrayList<>();
        if (raw.allowlist != null) {
            for (int i = 0; i < raw.allowlist.size(); i++) {
                var entry = allowlistEntry(raw.allowlist.get(i), at + ".allowlist[" + i + "]", problems);
                if (entry != null) {
                    allowlist.add(entry);
                }
            }
        }
        return new ChecksSpec.Vulnerabilities(reports, failOn, allowlist);
    }

    private static ChecksSpec.AllowlistEntry allowlistEntry(RawAllowlistEntry raw, String at, List<String> problems) {
        if (raw == null) {
            problems.add(at + ": expected {id, until, reason}");
            return null;
        }
        int before = problems.size();
        if (raw.id == null || raw.id.isBlank()) {
            problems.add(at + ".id: missing; expected the vulnerability id, e.g. CVE-2024-1234");
        }
        LocalDate until = null;
        if (raw.until == null || raw.until.isBlank()) {
            problems.add(at + ".until: missing; every allowlist entry needs an expiry date, e.g. 2026-12-31");
        } else {
            try {
                until = LocalDate.parse(raw.until.trim());
            } catch (DateTimeParseException e) {
                problems.add(at + ".until: expected a date as YYYY-MM-DD, got '" + raw.until + "'");
            }
        }
        if (raw.reason == null || raw.reason.isBlank()) {
            problems.add(at + ".reason: missing; say why the finding is accepted (e.g. \"not reachable: we never"
                    + " parse XML\")");
        }
        return problems.size() > before ? null : new ChecksSpec.AllowlistEntry(raw.id.trim(), until, raw.reason);
    }

    private static ChecksSpec.Migrations migrations(RawMigrations raw, String at, List<String> problems) {
        int before = problems.size();
        if (raw.jdbcUrl == null || raw.jdbcUrl.isBlank()) {
            problems.add(at + ".jdbcUrl: missing; expected e.g. jdbc:postgresql://127.0.0.1:5432/app");
        } else if (!raw.jdbcUrl.startsWith("jdbc:")) {
            problems.add(at + ".jdbcUrl: expected a JDBC URL starting with 'jdbc:', e.g."
                    + " jdbc:postgresql://127.0.0.1:5432/app");
        } else if (SECRET_IN_URL.matcher(raw.jdbcUrl).find()) {
            // Not echoing the URL: it holds the secret.
            problems.add(at + ".jdbcUrl: holds a password; remove it and name the environment variable that holds"
                    + " it in " + at + ".passwordEnv");
        }
        envName(raw.userEnv, at + ".userEnv", problems);
        envName(raw.passwordEnv, at + ".passwordEnv", problems);
        String table = raw.table == null ? ChecksSpec.DEFAULT_MIGRATIONS_TABLE : raw.table;
        if (!TABLE.matcher(table).matches()) {
            problems.add(at + ".table: expected a table name (letters, digits, '_', optionally schema.table), got '"
                    + table + "'");
        }
        return problems.size() > before ? null
                : new ChecksSpec.Migrations(raw.jdbcUrl, raw.userEnv, raw.passwordEnv, table);
    }

    private static void envName(String name, String at, List<String> problems) {
        if (name != null && !ENV_NAME.matcher(name).matches()) {
            problems.add(at + ": expected the name of an environment variable (letters, digits, '_'), got '"
                    + name + "'");
        }
    }

    private static ChecksSpec.Chart chart(RawChart raw, String at, Path baseDir, List<String> problems) {
        if (raw.path == null || raw.path.isBlank()) {
            problems.add(at + ".path: missing; expected the chart directory, e.g. charts/web");
            return null;
        }
        List<Path> values = new ArrayList<>();
        if (raw.values != null) {
            for (int i = 0; i < raw.values.size(); i++) {
                String v = raw.values.get(i);
                if (v == null || v.isBlank()) {
                    problems.add(at + ".values[" + i + "]: expected a values file path");
                } else {
                    values.add(baseDir.resolve(v).normalize());
                }
            }
        }
        return new ChecksSpec.Chart(baseDir.resolve(raw.path).normalize(), values);
    }

    /** Sizes as people write them: 500MB, 1GB (powers of 1000), 512MiB (powers of 1024), or plain bytes. */
    static long bytes(String text, String at, List<String> problems) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            problems.add(at + ": expected a size such as 500MB, 2GB or 512MiB, got '" + text + "'");
            return 0;
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            problems.add(at + ": " + text + " is too large");
            return 0;
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "TB" -> 1000L * 1000 * 1000 * 1000;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            default -> 1L;
        };
        if (n > Long.MAX_VALUE / unit) {
            problems.add(at + ": " + text + " is too large");
            return 0;
        }
        return n * unit;
    }

    static final class RawChecks {
        @JsonProperty("timeout")
        String timeout;
        @JsonProperty("skip")
        List<String> skip;
        @JsonProperty("vulnerabilities")
        RawVulnerabilities vulnerabilities;
        @JsonProperty("migrations")
        RawMigrations migrations;
        @JsonProperty("chart")
        RawChart chart;
        @JsonProperty("disk")
        RawDisk disk;
    }

    static final class RawVulnerabilities {
        @JsonProperty("reports")
        List<String> reports;
        @JsonProperty("failOn")
        String failOn;
        @JsonProperty("allowlist")
        List<RawAllowlistEntry> allowlist;
    }

    static final class RawAllowlistEntry {
        @JsonProperty("id")
        String id;
        @JsonProperty("until")
        String until;
        @JsonProperty("reason")
        String reason;
    }

    static final class RawMigrations {
        @JsonProperty("jdbcUrl")
        String jdbcUrl;
        @JsonProperty("userEnv")
        String userEnv;
        @JsonProperty("passwordEnv")
        String passwordEnv;
        @JsonProperty("table")
        String table;
    }

    static final class RawChart {
        @JsonProperty("path")
        String path;
        @JsonProperty("values")
        List<String> values;
    }

    static final class RawDisk {
        @JsonProperty("minFree")
        String minFree;
    }
}
