package dev.deployguard.check;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one run of the checklist found for one app and version: every check's result in declaration order, the
 * verdict, and how long the whole run took (the slowest check, not the sum: checks run in parallel).
 *
 * @param app       the app's name
 * @param version   the version checked, or null when none was given
 * @param verdict   READY only when no result is FAIL or ERROR
 * @param results   one per check that ran or was skipped
 * @param startedAt when the run started
 * @param took      the wall time of the whole run
 */
public record ChecklistReport(String app, String version, ChecklistVerdict verdict, List<CheckResult> results,
                              Instant startedAt, Duration took) {
    public ChecklistReport {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(verdict, "verdict");
        results = List.copyOf(results);
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(took, "took");
    }

    public boolean ready() {
        return verdict == ChecklistVerdict.READY;
    }

    /** The results that stop a deploy (FAIL and ERROR), in order. */
    public List<CheckResult> blocking() {
        return results.stream().filter(r -> !r.status().allowsDeploy()).toList();
    }

    /** How many results have {@code status}. */
    public long count(CheckStatus status) {
        return results.stream().filter(r -> r.status() == status).count();
    }

    /** One line per blocking check ("name: evidence — remedy"), for refusals and events. */
    public String blockingSummary() {
        var sb = new StringBuilder();
        for (CheckResult r : blocking()) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(r.name()).append(" ").append(r.status()).append(": ").append(r.evidence());
            if (!r.remedy().isEmpty()) {
                sb.append(" — ").append(r.remedy());
            }
        }
        return sb.toString();
    }
}
