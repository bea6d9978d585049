package dev.deployguard.kubernetes.etcd;

import java.time.Instant;

/**
 * What is known of one snapshot, kept beside it as {@code <id>.json}: where and when it was taken, its size and
 * SHA-256, and the last verification (a restore into a scratch member, compared).
 *
 * @param status {@code COMPLETED} once a restore of it verified, {@code FAILED} when one did not
 */
public record SnapshotRecord(String id, String file, String endpoint, String etcdVersion, Instant takenAt,
                             long bytes, String sha256, String status, Verification verification) {

    /**
     * One verification: the restored member's revision, key count and {@code hashkv} at that revision, the same read
     * from the source (or the numbers recorded when the snapshot was taken), and how long the restore took.
     */
    public record Verification(Instant at, boolean ok, long revision, long keys, long hashKv, Long sourceKeys,
                               Long sourceHashKv, String comparedWith, long restoreMillis, String detail) {
    }

    SnapshotRecord verified(Verification v) {
        return new SnapshotRecord(id, file, endpoint, etcdVersion, takenAt, bytes, sha256,
                v.ok() ? "COMPLETED" : "FAILED", v);
    }
}
