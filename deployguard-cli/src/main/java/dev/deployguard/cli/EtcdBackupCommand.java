package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.BackupEvent;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.etcd.EtcdSnapshots;
import dev.deployguard.kubernetes.etcd.EtcdTls;
import dev.deployguard.kubernetes.etcd.SnapshotFile;
import dev.deployguard.kubernetes.etcd.SnapshotRecord;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code deployguard backup etcd save|list|status|verify|restore}: etcd snapshots, each one restored and compared. */
@Command(name = "etcd", description = "Snapshots of an etcd cluster (Kubernetes' store): saved through the"
        + " Maintenance API, the SHA-256 trailer checked, verified by a restore into a scratch member.",
        subcommands = {EtcdBackupCommand.Save.class, EtcdBackupCommand.ListSnapshots.class,
                EtcdBackupCommand.Status.class, EtcdBackupCommand.Verify.class, EtcdBackupCommand.Restore.class})
final class EtcdBackupCommand {
    @ParentCommand
    BackupCommand backup;

    /** Where the snapshots live. */
    abstract static class Base implements Callable<Integer> {
        @ParentCommand
        EtcdBackupCommand etcd;
        @Option(names = "--dir", paramLabel = "DIR", description = "Snapshot directory (default:"
                + " <state-dir>/backups/etcd)")
        Path dir;
        @Mixin
        Output output;

        EtcdSnapshots snapshots() {
            Path d = dir != null ? dir.toAbsolutePath()
                    : etcd.backup.root.stateDir().toAbsolutePath().resolve("backups").resolve("etcd");
            return new EtcdSnapshots(d, Clock.systemUTC());
        }

        void show(Object value, String table) {
            JsonNode n = Json.mapper().valueToTree(value);
            output.print(n, () -> table);
        }
    }

    /** The cluster to read. */
    abstract static class Endpoints extends Base {
        @Option(names = "--endpoints", split = ",", paramLabel = "URL", description = "etcd client URLs, e.g."
                + " http://127.0.0.1:2379 (the first is the one snapshotted)")
        List<String> endpoints = List.of();
        @Option(names = "--cacert", paramLabel = "FILE", description = "CA of etcd's server certificate (PEM), for"
                + " https endpoints (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)")
        Path cacert;
        @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (PEM), e.g."
                + " /etc/kubernetes/pki/apiserver-etcd-client.crt")
        Path cert;
        @Option(names = "--key", paramLabel = "FILE", description = "The client certificate's key (PEM, PKCS#8 or"
                + " PKCS#1 RSA)")
        Path key;

        Client connect() {
            return EtcdSnapshots.connect(endpoints, EtcdTls.of(cacert, cert, key));
        }
    }

    @Command(name = "save", description = "Take a snapshot now, check its trailer and verify it by a restore"
            + " compared with the cluster (key count and hashkv).")
    static final class Save extends Endpoints {
        @Option(names = "--keep", paramLabel = "N", description = "Afterwards keep only the newest N snapshots")
        Integer keep;
        @Option(names = "--max-age", paramLabel = "DURATION", description = "Afterwards delete snapshots older than"
                + " this, e.g. 7d (the newest completed one is always kept)")
        String maxAge;
        @Option(names = "--every", paramLabel = "DURATION", description = "Keep running and take one every"
                + " DURATION (e.g. 1h) until stopped")
        String every;

        @Override
        public Integer call() throws Exception {
            if (endpoints.isEmpty()) {
                throw DeployGuardException.badInput("--endpoints: give the etcd client URL(s), e.g."
                        + " --endpoints http://127.0.0.1:2379");
            }
            if (keep != null && keep < 1) {
                throw DeployGuardException.badInput("--keep: must be at least 1, got " + keep);
            }
            Duration age = maxAge == null ? null : DurationOptions.positive("--max-age", maxAge);
            Duration period = every == null ? null : DurationOptions.positive("--every", every);
            EtcdSnapshots s = snapshots();
            int code;
            do {
                long start = System.nanoTime();
                try (Client client = connect()) {
                    SnapshotRecord r;
                    try {
                        r = s.save(client, endpoints.get(0), true);
                    } catch (RuntimeException e) {
                        if (BackupEvents.happened(e)) {
                            BackupEvents.record(etcd.backup.root, new BackupEvent("etcd", "create",
                                    "(none written)", false, endpoints.get(0), e.getMessage(), 0));
                        }
                        throw e;
                    }
                    event(etcd, r, "create", endpoints.get(0));
                    List<String> pruned = "COMPLETED".equals(r.status()) && (keep != null || age != null)
                            ? s.prune(keep == null ? Integer.MAX_VALUE : keep, age) : List.of();
                    show(Map.of("snapshot", r, "pruned", pruned), describe(r, s.dir()) + pruned.stream()
                            .map(id -> "\ndeleted by retention: " + id).reduce("", String::concat) + "\n");
                    code = "COMPLETED".equals(r.status()) ? 0 : ExitCode.FAILURE.code();
                }
                if (period != null) {
                    long left = period.toNanos() - (System.nanoTime() - start);
                    if (left > 0) {
                        Thread.sleep(left / 1_000_000); // the schedule's period, not a wait for an event
                    }
                }
            } while (period != null);
            return code;
        }
    }

    @Command(name = "list", description = "The snapshots of the directory, newest first, with their last"
            + " verification.")
    static final class ListSnapshots extends Base {
        @Override
        public Integer call() {
            List<SnapshotRecord> all = snapshots().list();
            Table t = new Table("ID", "STATUS", "TAKEN", "SIZE", "REVISION", "KEYS", "RESTORE", "COMPARED WITH");
            for (SnapshotRecord r : all) {
                var v = r.verification();
                t.row(r.id(), r.status(), r.takenAt(), r.bytes(), v == null ? "" : v.revision(),
                        v == null ? "" : v.keys(), v == null ? "" : v.restoreMillis() + " ms",
                        v == null ? "" : v.comparedWith());
            }
            show(Map.of("snapshots", all), all.isEmpty() ? "no etcd snapshots in " + snapshots().dir() + "\n"
                    : t.toString());
            return 0;
        }
    }

    @Command(name = "status", description = "Check a snapshot file's trailer and show what is recorded of it.")
    static final class Status extends Base {
        @Parameters(index = "0", paramLabel = "ID|FILE")
        String snapshot;

        @Override
        public Integer call() {
            EtcdSnapshots s = snapshots();
            Path file = snapshot.contains("/") || snapshot.endsWith(".db") ? Path.of(snapshot)
                    : s.dir().resolve(s.get(snapshot).file());
            SnapshotFile.Checked c = SnapshotFile.check(file);
            show(Map.of("file", file.toString(), "databaseBytes", c.databaseBytes(), "sha256", c.sha256(),
                    "trailer", "ok"), file + ": trailer ok, database " + c.databaseBytes() + " bytes, sha256 "
                    + c.sha256() + "\n");
            return 0;
        }
    }

    @Command(name = "verify", description = "Restore a snapshot into a scratch member and compare it: with the"
            + " cluster when --endpoints is given, else with its last verification. Exit 1 if it differs.")
    static final class Verify extends Endpoints {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            EtcdSnapshots s = snapshots();
            SnapshotRecord r = s.get(id);
            SnapshotRecord v;
            if (endpoints.isEmpty()) {
                v = s.verify(r, null, null);
            } else {
                try (Client client = connect()) {
                    v = s.verify(r, client, endpoints.get(0));
                }
            }
            event(etcd, v, "verify", endpoints.isEmpty() ? null : endpoints.get(0));
            show(v, describe(v, s.dir()) + "\n");
            return "COMPLETED".equals(v.status()) ? 0 : ExitCode.FAILURE.code();
        }
    }

    @Command(name = "restore", description = "Restore a snapshot into a NEW data directory for a one-member"
            + " cluster (never over a live one); then start etcd with --data-dir on it.")
    static final class Restore extends Base {
        @Parameters(index = "0", paramLabel = "ID|FILE")
        String snapshot;
        @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The new data directory")
        Path dataDir;
        @Option(names = "--name", defaultValue = "default", description = "Member name (default: ${DEFAULT-VALUE})")
        String name;
        @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://127.0.0.1:2380",
                paramLabel = "URL", description = "The member's peer URL (default: ${DEFAULT-VALUE})")
        String peerUrl;
        @Option(names = "--bump-revision", defaultValue = "0", paramLabel = "N", description = "Raise every"
                + " revision by N and mark older ones compacted, so Kubernetes watchers re-list (needs etcdutl)")
        long bumpRevision;

        @Override
        public Integer call() {
            EtcdSnapshots s = snapshots();
            Path file = snapshot.contains("/") || snapshot.endsWith(".db") ? Path.of(snapshot)
                    : s.dir().resolve(s.get(snapshot).file());
            String id = file.getFileName().toString();
            Path out;
            try {
                out = s.restore(file, dataDir.toAbsolutePath(), name, peerUrl, bumpRevision);
            } catch (RuntimeException e) {
                if (BackupEvents.happened(e)) {
                    BackupEvents.record(etcd.backup.root, new BackupEvent("etcd", "restore", id, false,
                            dataDir.toAbsolutePath().toString(), e.getMessage(), 0));
                }
                throw e;
            }
            BackupEvents.record(etcd.backup.root, new BackupEvent("etcd", "restore", id, true, out.toString(),
                    "member " + name + (bumpRevision > 0 ? ", revisions bumped by " + bumpRevision : ""), 0));
            show(Map.of("restored", file.toString(), "dataDir", out.toString(), "name", name),
                    "restored " + file + " into " + out + "; start the member with: etcd --name " + name
                            + " --data-dir " + out + " --initial-advertise-peer-urls " + peerUrl
                            + " --initial-cluster " + name + "=" + peerUrl + "\n");
            return 0;
        }
    }

    /** The snapshot's save or verify as a {@code backup.*} event (names, counts, times; no key or certificate). */
    static void event(EtcdBackupCommand etcd, SnapshotRecord r, String action, String endpoint) {
        var v = r.verification();
        BackupEvents.record(etcd.backup.root, new BackupEvent("etcd", action, r.id(), "COMPLETED".equals(r.status()),
                endpoint, v == null ? "" : v.detail(), v == null ? 0 : Math.max(0, v.restoreMillis())));
    }

    static String describe(SnapshotRecord r, Path dir) {
        var v = r.verification();
        return r.status() + " " + r.id() + " (" + dir.resolve(r.file()) + ", " + r.bytes() + " bytes, etcd "
                + r.etcdVersion() + ")" + (v == null ? "" : ": " + v.detail() + (v.restoreMillis() > 0
                ? " (restore " + v.restoreMillis() + " ms)" : ""));
    }
}
