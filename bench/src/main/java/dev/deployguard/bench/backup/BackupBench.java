package dev.deployguard.bench.backup;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.backup.NamespaceBackup;
import dev.deployguard.kubernetes.backup.NamespaceRestore;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.PostgresServer;
import dev.deployguard.store.backup.BackupRecord;
import dev.deployguard.store.backup.Backups;
import dev.deployguard.store.backup.StoreLocation;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Backup and verify (restore into a scratch target + compare) time and size: a store with N revisions (an event
 * each) on embedded H2 and on a real PostgreSQL, and a namespace with M objects on fabric8's mock API server.
 * Target from issue 14: verify ≤ 2× the backup time.
 */
public final class BackupBench {
    private BackupBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int only = List.of(args).indexOf("--only");
        String part = only >= 0 && only + 1 < args.length ? args[only + 1] : "all";
        if (!List.of("all", "store", "namespace").contains(part)) {
            System.err.println("bench backup: --only takes store or namespace, got '" + part + "'");
            System.exit(2);
        }
        int revisions = quick ? 1_000 : 10_000;
        int objects = quick ? 100 : 1_000;
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("revisions", revisions);
        root.put("namespaceObjects", objects);
        Path dir = Files.createTempDirectory("bench-backup");

        if (!part.equals("namespace")) {
            Path h2 = dir.resolve("h2");
            try (JdbcStore store = JdbcStore.embedded(h2)) {
                fill(store, revisions);
                root.set("h2", store(store, new StoreLocation(h2, null, null, null), dir.resolve("h2-backups")));
            }
            try (PostgresServer pg = PostgresServer.start()) {
                var location = new StoreLocation(dir.resolve("pg"), pg.url(), "postgres", null);
                try (JdbcStore store = JdbcStore.open(pg.url(), "postgres", null)) {
                    fill(store, revisions);
                    root.set("postgresql", store(store, location, dir.resolve("pg-backups")));
                }
            }
        }
        if (!part.equals("store")) {
            root.set("namespace", namespace(objects, dir.resolve("ns.tar.gz")));
        }
        System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    private static void fill(JdbcStore store, int revisions) {
        System.err.println("bench: writing " + revisions + " revisions...");
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 0; i < revisions; i++) {
            String app = "app" + (i % 10);
            Release r = store.createRelease(new Release(app, 1, "v" + i, List.of("./run", "--port", "${port}"),
                    Map.of("A", "b"), 1, "sha256:" + i, "change " + i, "bench", t, ReleaseStatus.PENDING, null));
            store.append(Event.of(t, app, r.revision(), "bench", EventKinds.DEPLOY_SUCCEEDED, "deployed v" + i));
        }
    }

    private static ObjectNode store(JdbcStore store, StoreLocation location, Path backupDir) {
        System.err.println("bench: backing up " + location.url() + "...");
        var backups = new Backups(backupDir, location, Clock.systemUTC());
        BackupRecord b = backups.create(store, null, "bench");
        long t0 = System.nanoTime();
        BackupRecord again = backups.verify(b.id(), null);
        long verifyMillis = (System.nanoTime() - t0) / 1_000_000;
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("status", again.status().name());
        n.put("rows", b.rows());
        n.put("sizeBytes", b.sizeBytes());
        // backupMillis: dump + write; restoreMillis: the scratch restore inside the verification.
        n.put("backupMillis", b.backupMillis());
        n.put("verifyRestoreMillis", again.verification().restoreMillis());
        n.put("verifyTotalMillis", verifyMillis);
        n.put("verifyOverBackup", round((double) verifyMillis / Math.max(1, b.backupMillis())));
        return n;
    }

    /** Concurrencies a warm verify is also timed at (creates in flight within one dependency phase). */
    private static final int[] SWEEP = {8, 16, 32};
    private static final int WARM_ROUNDS = 3;

    /**
     * The first backup and verify in this JVM (as {@code backup namespace create} runs them: one fresh process),
     * then {@link #WARM_ROUNDS} more of each (medians), then a warm verify per concurrency of {@link #SWEEP}. Each
     * verify's time is broken down (read, creates, read-back + compare, clean-up), with the API requests each made.
     */
    private static ObjectNode namespace(int objects, Path file) throws Exception {
        System.err.println("bench: namespace with " + objects + " objects...");
        try (MockCluster cluster = MockCluster.start()) {
            var c = cluster.client();
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("bench").endMetadata().build())
                    .create();
            for (int i = 0; i < objects - 1; i++) {
                c.configMaps().inNamespace("bench").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("cm-" + i).endMetadata().addToData("key", "value-" + i).build()).create();
            }
            Round first = round(cluster, file, NamespaceRestore.DEFAULT_CONCURRENCY);
            ObjectNode n = first.json();
            n.put("objects", first.objects());
            n.put("sizeBytes", Files.size(file));
            n.put("concurrency", NamespaceRestore.DEFAULT_CONCURRENCY);
            List<Round> warm = new java.util.ArrayList<>();
            for (int r = 0; r < WARM_ROUNDS; r++) {
                System.err.println("bench: warm round " + (r + 1) + "...");
                warm.add(round(cluster, file, NamespaceRestore.DEFAULT_CONCURRENCY));
            }
            ObjectNode w = n.putObject("warm");
            w.put("rounds", WARM_ROUNDS);
            long b = median(warm.stream().mapToLong(Round::backupMillis).toArray());
            long v = median(warm.stream().mapToLong(Round::verifyMillis).toArray());
            w.put("backupMillisMedian", b);
            w.put("verifyTotalMillisMedian", v);
            w.put("verifyOverBackup", round((double) v / Math.max(1, b)));
            w.put("verifiedAll", warm.stream().allMatch(Round::verified));
            var each = w.putArray("each");
            for (Round r : warm) {
                ObjectNode o = each.addObject();
                o.put("backupMillis", r.backupMillis());
                o.put("verifyTotalMillis", r.verifyMillis());
                o.put("creates", r.timings().createMillis());
                o.put("readBackAndCompare", r.timings().compareMillis());
                o.put("cleanup", r.timings().cleanupMillis());
            }
            ObjectNode sweep = n.putObject("verifyByConcurrency");
            for (int threads : SWEEP) {
                System.err.println("bench: warm verify with " + threads + " creates in flight...");
                Round r = round(cluster, file, threads);
                ObjectNode o = sweep.putObject(Integer.toString(threads));
                o.put("verifyTotalMillis", r.verifyMillis());
                o.put("createMillis", r.timings().createMillis());
                o.put("verified", r.verified());
            }
            return n;
        }
    }

    /** One backup followed by one verify of it. */
    private record Round(int objects, boolean verified, long backupMillis, long verifyMillis,
                         NamespaceRestore.Timings timings, long backupRequests, long verifyRequests) {
        ObjectNode json() {
            ObjectNode n = Json.mapper().createObjectNode();
            n.put("verified", verified);
            n.put("backupMillis", backupMillis);
            n.put("verifyRestoreMillis", timings.createMillis());
            n.put("verifyTotalMillis", verifyMillis);
            n.put("verifyOverBackup", round((double) verifyMillis / Math.max(1, backupMillis)));
            ObjectNode t = n.putObject("verifyBreakdownMillis");
            t.put("readAndPlan", timings.readMillis());
            t.put("creates", timings.createMillis());
            t.put("readBackAndCompare", timings.compareMillis());
            t.put("cleanup", timings.cleanupMillis());
            n.put("backupRequests", backupRequests);
            n.put("verifyRequests", verifyRequests);
            return n;
        }
    }

    private static Round round(MockCluster cluster, Path file, int concurrency) throws Exception {
        var c = cluster.client();
        cluster.clearCalls();
        long t0 = System.nanoTime();
        var summary = new NamespaceBackup(c).backup("bench", file);
        long backupMillis = (System.nanoTime() - t0) / 1_000_000;
        long backupRequests = cluster.calls().size();
        cluster.clearCalls();
        t0 = System.nanoTime();
        var v = new NamespaceRestore(c, concurrency).verify(file, Duration.ofSeconds(60));
        long verifyMillis = (System.nanoTime() - t0) / 1_000_000;
        return new Round(summary.total(), v.ok(), backupMillis, verifyMillis, v.timings(), backupRequests,
                cluster.calls().size());
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }
}
