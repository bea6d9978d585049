package dev.deployguard.kubernetes.etcd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Snapshots of one etcd cluster in one directory: {@link #save} streams the Maintenance API's snapshot to a 0600 file,
 * checks its SHA-256 trailer and verifies it by a restore; {@link #verify} restores into a scratch member on other
 * loopback ports and compares key count and {@code hashkv} with the source; {@link #restore} writes a new data
 * directory and never touches a live one; {@link #prune} keeps the newest N and those younger than a maximum age.
 */
public final class EtcdSnapshots {
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** A snapshot stream or a hash of a large member takes minutes; every other call is small. */
    private static final Duration STREAM = Duration.ofMinutes(10);
    private static final Duration CALL = Duration.ofSeconds(20);
    private static final Duration START = Duration.ofSeconds(60);
    /** Every key: the range from "\0" to the end ("\0" as range end), as {@code etcdctl get "" --from-key}. */
    private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});
    private final Path dir;
    private final Clock clock;
    private final ObjectMapper json = Json.mapper();

    public EtcdSnapshots(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** A jetcd client for {@code endpoints} over plain HTTP (the caller closes it). */
    public static Client connect(List<String> endpoints) {
        return connect(endpoints, null);
    }

    /** A jetcd client for {@code endpoints}, with client TLS when {@code tls} is given (the caller closes it). */
    public static Client connect(List<String> endpoints, EtcdTls tls) {
        if (endpoints.isEmpty()) {
            throw DeployGuardException.badInput("give the etcd endpoints (--endpoints http://127.0.0.1:2379)");
        }
        var b = Client.builder().endpoints(endpoints.toArray(String[]::new));
        if (tls != null) {
            try {
                b.sslContext(tls::configure);
            } catch (javax.net.ssl.SSLException e) {
                throw DeployGuardException.badInput("cannot set up TLS for etcd: " + e.getMessage());
            }
        }
        return b.build();
    }

    /** Takes a snapshot from {@code endpoint} through {@code client}, then verifies it (unless {@code verify} is off). */
    public SnapshotRecord save(Client client, String endpoint, boolean verify) {
        mkdirs();
        Instant at = clock.instant();
        String id = "etcd-" + ID.format(at);
        Path file = dir.resolve(id + ".db");
        Path part = dir.resolve(id + ".db.part");
        String version = await(client.getMaintenanceClient().statusMember(endpoint), "read the status of " + endpoint)
                .getVersion();
        try {
            try (OutputStream out = Files.newOutputStream(create0600(part))) {
                await(client.getMaintenanceClient().snapshot(out), "stream a snapshot from " + endpoint, STREAM);
            }
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot write snapshot " + file + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(part);
        }
        SnapshotFile.Checked checked = SnapshotFile.check(file);
        SnapshotRecord r = new SnapshotRecord(id, file.getFileName().toString(), endpoint, version, at,
                checked.databaseBytes() + SnapshotFile.TRAILER, checked.sha256(), "UNVERIFIED", null);
        write(r);
        return verify ? verify(r, client, endpoint) : r;
    }

    /**
     * Restores {@code r} into a scratch member and compares it: with the source when {@code client} is given (key
     * count and {@code hashkv} at the restored revision, which the source still holds unless it compacted past it),
     * else with the numbers of the last verification. The result is stored beside the snapshot.
     */
    public SnapshotRecord verify(SnapshotRecord r, Client client, String endpoint) {
        Path file = dir.resolve(r.file());
        SnapshotFile.Checked checked;
        try {
            checked = SnapshotFile.check(file);
        } catch (DeployGuardException e) {
            SnapshotRecord failed = r.verified(new SnapshotRecord.Verification(clock.instant(), false, 0, 0, 0, null,
                    null, "trailer", 0, e.getMessage()));
            write(failed);
            return failed;
        }
        if (!checked.sha256().equals(r.sha256())) {
            SnapshotRecord failed = r.verified(new SnapshotRecord.Verification(clock.instant(), false, 0, 0, 0, null,
                    null, "record", 0, "the file's SHA-256 differs from the one recorded when it was taken: it was"
                    + " replaced by another snapshot"));
            write(failed);
            return failed;
        }
        Path scratch = tempDir();
        try {
            int[] ports = ScratchMember.freePorts();
            long t0 = System.nanoTime();
            EtcdTools.onPath().restore(file, scratch.resolve("data"), ScratchMember.NAME,
                    ScratchMember.peerUrl(ports[1]), 0);
            try (ScratchMember m = ScratchMember.start(scratch.resolve("data"), ports[0], ports[1], START);
                 Client restored = connect(List.of(m.clientUrl()))) {
                long restoreMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
                GetResponse all = await(restored.getKVClient().get(ALL, countAll(0)), "count the restored keys");
                long revision = all.getHeader().getRevision();
                long keys = all.getCount();
                long hash = Integer.toUnsignedLong(await(restored.getMaintenanceClient().hashKV(m.clientUrl(),
                        revision), "hash the restored keys", STREAM).getHash());
                SnapshotRecord.Verification v = client != null
                        ? compareWithSource(client, endpoint, revision, keys, hash, restoreMillis)
                        : compareWithRecord(r, revision, keys, hash, restoreMillis);
                SnapshotRecord out = r.verified(v);
                write(out);
                return out;
            }
        } catch (DeployGuardException e) {
            SnapshotRecord failed = r.verified(new SnapshotRecord.Verification(clock.instant(), false, 0, 0, 0, null,
                    null, "restore", 0, e.getMessage()));
            write(failed);
            return failed;
        } finally {
            deleteTree(scratch);
        }
    }

    private SnapshotRecord.Verification compareWithSource(Client client, String endpoint, long revision, long keys,
                                                          long hash, long restoreMillis) {
        long sourceKeys;
        long sourceHash;
        try {
            sourceKeys = await(client.getKVClient().get(ALL, countAll(revision)), "count the source's keys")
                    .getCount();
            sourceHash = Integer.toUnsignedLong(await(client.getMaintenanceClient().hashKV(endpoint, revision),
                    "hash the source's keys", STREAM).getHash());
        } catch (DeployGuardException e) {
            return new SnapshotRecord.Verification(clock.instant(), false, revision, keys, hash, null, null, "source",
                    restoreMillis, "cannot read the source at revision " + revision + " (compacted past it?): "
                    + e.getMessage());
        }
        boolean ok = sourceKeys == keys && sourceHash == hash;
        return new SnapshotRecord.Verification(clock.instant(), ok, revision, keys, hash, sourceKeys, sourceHash,
                "source", restoreMillis, ok ? "restored " + keys + " keys at revision " + revision + "; hashkv "
                + Long.toHexString(hash) + " equals the source's" : "the restore differs from the source at revision "
                + revision + ": " + keys + " keys (source " + sourceKeys + "), hashkv " + Long.toHexString(hash)
                + " (source " + Long.toHexString(sourceHash) + ")");
    }

    private SnapshotRecord.Verification compareWithRecord(SnapshotRecord r, long revision, long keys, long hash,
                                                          long restoreMillis) {
        SnapshotRecord.Verification last = r.verification();
        if (last == null || !last.ok()) {
            return new SnapshotRecord.Verification(clock.instant(), false, revision, keys, hash, null, null, "record",
                    restoreMillis, "restored " + keys + " keys at revision " + revision + ", but there is no earlier"
                    + " good verification to compare with: give --endpoints to compare with the cluster");
        }
        boolean ok = last.revision() == revision && last.keys() == keys && last.hashKv() == hash;
        return new SnapshotRecord.Verification(clock.instant(), ok, revision, keys, hash, last.keys(), last.hashKv(),
                "record", restoreMillis, ok ? "restored " + keys + " keys at revision " + revision + "; hashkv "
                + Long.toHexString(hash) + " equals the one verified on " + last.at()
                : "the restore differs from the one verified on " + last.at() + ": revision " + revision + " (was "
                + last.revision() + "), " + keys + " keys (was " + last.keys() + ")");
    }

    /**
     * Restores snapshot {@code id} (or a file path) into {@code dataDir}, which must not exist or be empty: a live
     * member's directory is never written. Returns the restored directory.
     */
    public Path restore(Path snapshot, Path dataDir, String name, String peerUrl, long bumpRevision) {
        SnapshotFile.check(snapshot);
        if (Files.exists(dataDir)) {
            try (var entries = Files.list(dataDir)) {
                if (entries.findAny().isPresent()) {
                    throw new DeployGuardException(ExitCode.BUSY, "refusing to restore into " + dataDir + ": it is"
                            + " not empty (a live member's data directory?); restore into a new directory and point"
                            + " etcd's --data-dir at it once the restore is done");
                }
            } catch (IOException e) {
                throw DeployGuardException.badInput("cannot read " + dataDir + ": " + e.getMessage());
            }
            deleteQuietly(dataDir); // etcd's restore wants to create it
        }
        EtcdTools.onPath().restore(snapshot, dataDir, name, peerUrl, bumpRevision);
        return dataDir;
    }

    /** The snapshots of this directory, newest first. */
    public List<SnapshotRecord> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<SnapshotRecord> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().matches("etcd-.*\\.json")).toList()) {
                try {
                    out.add(json.readValue(p.toFile(), SnapshotRecord.class));
                } catch (IOException e) {
                    // A record being written or damaged: the snapshot stays listed by its file only in `status`.
                }
            }
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot list " + dir + ": " + e.getMessage());
        }
        out.sort(Comparator.comparing(SnapshotRecord::takenAt).reversed());
        return out;
    }

    public SnapshotRecord get(String id) {
        return list().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow(() ->
                DeployGuardException.notFound("no etcd snapshot '" + id + "' in " + dir + " (`deployguard backup etcd"
                        + " list` shows them)"));
    }

    /**
     * Deletes snapshots beyond the newest {@code keep} that are also older than {@code maxAge} (null: age alone does
     * not keep one); the newest COMPLETED snapshot is never deleted. Returns the ids deleted.
     */
    public List<String> prune(int keep, Duration maxAge) {
        List<SnapshotRecord> all = list();
        String newestGood = all.stream().filter(r -> "COMPLETED".equals(r.status())).map(SnapshotRecord::id)
                .findFirst().orElse(null);
        Instant now = clock.instant();
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            SnapshotRecord r = all.get(i);
            boolean young = maxAge != null && r.takenAt().isAfter(now.minus(maxAge));
            if (i < keep || young || r.id().equals(newestGood)) {
                continue;
            }
            deleteQuietly(dir.resolve(r.file()));
            deleteQuietly(dir.resolve(r.id() + ".json"));
            deleted.add(r.id());
        }
        return deleted;
    }

    public Path dir() {
        return dir;
    }

    private static GetOption countAll(long revision) {
        GetOption.Builder b = GetOption.builder().withRange(ALL).withCountOnly(true);
        return (revision > 0 ? b.withRevision(revision) : b).build();
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> f, String what) {
        return await(f, what, CALL);
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> f, String what, Duration limit) {
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new DeployGuardException(ExitCode.UNREACHABLE, "cannot " + what + ": " + c.getMessage(), c);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new DeployGuardException(ExitCode.UNREACHABLE, "cannot " + what + ": no answer in "
                    + limit.toSeconds() + " s (is the endpoint right, and does it need --cacert, --cert and --key?)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "cannot " + what + ": interrupted", e);
        }
    }

    private void write(SnapshotRecord r) {
        Path p = dir.resolve(r.id() + ".json");
        Path tmp = dir.resolve(r.id() + ".json.tmp");
        try {
            Files.write(create0600(tmp), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    private void mkdirs() {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot create snapshot directory " + dir + ": " + e.getMessage());
        }
    }

    private static Path create0600(Path p) throws IOException {
        Files.deleteIfExists(p);
        return Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("deployguard-etcd-verify");
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot create a scratch directory: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // Best effort: a leftover part file is overwritten by the next save.
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(EtcdSnapshots::deleteQuietly);
        } catch (IOException e) {
            // Best effort: a scratch directory under the system's temp directory.
        }
    }
}
