package dev.deployguard.store.backup;

import java.time.Instant;
import java.util.List;

/**
 * What is known about one backup, kept beside it as {@code <id>.json}: what it holds and how its last verification
 * went. A backup is {@code COMPLETED} only after a restore into a scratch target compared equal.
 */
public record BackupRecord(String id, Instant createdAt, String engine, boolean encrypted, String keyEnv,
                           long sizeBytes, String fileSha256, long backupMillis, long rows, List<String> stateFiles,
                           Status status, Verification verification) {

    /** COMPLETED: verified; FAILED: could not be verified (never restored from). */
    public enum Status { COMPLETED, FAILED }

    /** The outcome of restoring the backup into a scratch target and comparing it with the digest taken with it. */
    public record Verification(Instant at, boolean ok, long restoreMillis, String message) {
    }

    public BackupRecord {
        stateFiles = stateFiles == null ? List.of() : List.copyOf(stateFiles);
    }

    BackupRecord verified(Verification v) {
        return new BackupRecord(id, createdAt, engine, encrypted, keyEnv, sizeBytes, fileSha256, backupMillis, rows,
                stateFiles, v.ok() ? Status.COMPLETED : Status.FAILED, v);
    }
}
