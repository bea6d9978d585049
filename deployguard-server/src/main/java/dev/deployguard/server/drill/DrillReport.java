package dev.deployguard.server.drill;

import java.util.List;

/**
 * What a drill did and found: each step with its outcome and duration, the state before and after, the fields that
 * differ, and the release the app was left on.
 *
 * @param passed true only when every step passed and the state after the rollback equals the baseline
 * @param finalRevision the revision serving when the drill ended (null when none)
 */
public record DrillReport(String app, String baselineVersion, String candidateVersion, boolean passed,
                          long durationMillis, List<Step> steps, ObservedState baseline, ObservedState after,
                          List<ObservedState.Difference> differences, Integer finalRevision, String finalVersion,
                          String summary) {
    public DrillReport {
        steps = List.copyOf(steps);
        differences = List.copyOf(differences);
    }

    /** Outcome of one step. */
    public enum Outcome { PASS, FAIL, SKIPPED }

    /** One step: its name, outcome, how long it took, and what it saw. */
    public record Step(String name, Outcome outcome, long durationMillis, String detail) {
    }
}
