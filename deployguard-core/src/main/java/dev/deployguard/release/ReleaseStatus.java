package dev.deployguard.release;

/** Lifecycle of one revision, with Helm's meaning for SUPERSEDED and FAILED. */
public enum ReleaseStatus {
    PENDING,
    PROGRESSING,
    DEPLOYED,
    SUPERSEDED,
    FAILED,
    ROLLED_BACK;

    public boolean isTerminal() {
        return this != PENDING && this != PROGRESSING;
    }
}
