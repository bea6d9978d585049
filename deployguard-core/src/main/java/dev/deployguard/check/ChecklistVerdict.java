package dev.deployguard.check;

/** The checklist's one answer to "ready to deploy?". */
public enum ChecklistVerdict {
    /** No check failed or could not tell (WARN and SKIPPED are allowed). */
    READY,
    /** At least one check returned FAIL or ERROR. */
    NOT_READY;

    /** READY only when every result allows the deploy. */
    public static ChecklistVerdict of(Iterable<CheckResult> results) {
        for (CheckResult r : results) {
            if (!r.status().allowsDeploy()) {
                return NOT_READY;
            }
        }
        return READY;
    }
}
