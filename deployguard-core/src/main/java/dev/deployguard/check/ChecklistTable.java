package dev.deployguard.check;

import dev.deployguard.spec.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Renders a {@link ChecklistReport} for people: one aligned row per check, then the verdict in one line. */
public final class ChecklistTable {
    private static final String[] HEADERS = {"STATUS", "CHECK", "TOOK", "EVIDENCE", "REMEDY"};

    private ChecklistTable() {
    }

    public static String render(ChecklistReport report) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADERS);
        for (CheckResult r : report.results()) {
            rows.add(new String[] {r.status().name(), r.name(), took(r.took()), oneLine(r.evidence()),
                oneLine(r.remedy())});
        }
        int[] width = new int[HEADERS.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        var sb = new StringBuilder();
        for (String[] row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 3));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        sb.append('\n').append(summary(report)).append('\n');
        return sb.toString();
    }

    /** "READY: web 1.4.2, 5 checks (4 passed, 1 skipped) in 312ms" or "NOT READY: ... 1 failed, 1 cannot tell". */
    public static String summary(ChecklistReport report) {
        List<String> parts = new ArrayList<>();
        add(parts, report.count(CheckStatus.PASS), "passed");
        add(parts, report.count(CheckStatus.WARN), "warned");
        add(parts, report.count(CheckStatus.FAIL), "failed");
        add(parts, report.count(CheckStatus.ERROR), "cannot tell");
        add(parts, report.count(CheckStatus.SKIPPED), "skipped");
        String what = report.app() + (report.version() == null ? "" : " " + report.version());
        int n = report.results().size();
        return (report.ready() ? "READY" : "NOT READY") + ": " + what + ", " + n + (n == 1 ? " check" : " checks")
                + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")") + " in " + took(report.took());
    }

    private static void add(List<String> parts, long count, String word) {
        if (count > 0) {
            parts.add(count + " " + word);
        }
    }

    private static String took(Duration d) {
        return Durations.format(Duration.ofMillis(d.toMillis()));
    }

    private static String oneLine(String s) {
        return s.replace("\r\n", "; ").replace('\n', ' ').replace('\r', ' ');
    }
}
