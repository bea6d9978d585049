package dev.deployguard.kubernetes.helm;

import static dev.deployguard.kubernetes.helm.HelmUpgradeTest.CHARTS;
import static dev.deployguard.kubernetes.helm.HelmUpgradeTest.WEB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real helm 3.17 as the compatibility oracle: releases written by helm are read by DeployGuard and the other way
 * round, against the mock API server that real helm accepts ({@link MockCluster}).
 */
class HelmOracleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "apps";
    private static final String V2 = CHARTS.resolve("web-v2.yaml").toString();
    private static final String V3 = CHARTS.resolve("web-v3.yaml").toString();

    private MockCluster cluster;
    private HelmReleaseStorage storage;

    @BeforeAll
    static void binaries() {
        Tools.require("the helm oracle tests");
    }

    @BeforeEach
    void start() {
        cluster = MockCluster.start();
        storage = new HelmReleaseStorage(cluster.client(), NS, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private JsonNode helmJson(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-n", NS, "-o", "json"));
        return JSON.readTree(Tools.helm(cluster, all.toArray(String[]::new)).orFail().stdout());
    }

    private List<HelmHistory.Entry> ourHistory() {
        return new HelmHistory(storage).of("web", HelmHistory.DEFAULT_MAX);
    }

    /** helm history -o json, as entries of the same shape as ours. */
    private List<HelmHistory.Entry> helmHistory() throws Exception {
        List<HelmHistory.Entry> entries = new ArrayList<>();
        for (JsonNode e : helmJson("history", "web")) {
            entries.add(new HelmHistory.Entry(e.path("revision").asInt(), Instant.parse(e.path("updated").asText()),
                    e.path("status").asText(), e.path("chart").asText(), e.path("app_version").asText(),
                    e.path("description").asText()));
        }
        return entries;
    }

    @Test
    void releaseObjectFromRealHelmRoundTripsAndMatchesWhatWeBuild() throws Exception {
        ObjectNode real = (ObjectNode) helmJson("install", "web", WEB.toString(), "-f", V2, "--dry-run=client");

        HelmRelease release = HelmRelease.of(real);
        assertThat(HelmReleaseCodec.decode(HelmReleaseCodec.encode(release))).isEqualTo(release);
        assertThat(HelmReleaseCodec.fromSecret(HelmReleaseCodec.toSecret(release, java.util.Map.of())).json())
                .isEqualTo(real);

        ObjectNode chart = ChartRecord.of(WEB);
        assertThat(chart).as("the chart part of the record, built as helm's loader builds it")
                .isEqualTo(real.get("chart"));
        assertThat(ChartRecord.userValues(List.of(CHARTS.resolve("web-v2.yaml")))).isEqualTo(real.get("config"));
        assertThat(new ChartRenderer().template(WEB, "web", NS, List.of(CHARTS.resolve("web-v2.yaml"))))
                .as("helm-java's template renders the manifest real helm stores").isEqualTo(real.path("manifest")
                        .asText());
    }

    @Test
    void historyOfReleasesWrittenByRealHelmMatchesHelmHistory() throws Exception {
        Tools.helm(cluster, "install", "web", WEB.toString(), "-n", NS, "-f", V2).orFail();
        Tools.helm(cluster, "upgrade", "web", WEB.toString(), "-n", NS, "-f", V3).orFail();

        assertThat(ourHistory()).isEqualTo(helmHistory()).hasSize(2);
        assertThat(ourHistory().get(1).description()).isEqualTo("Upgrade complete");
        assertThat(storage.get("web", 2).orElseThrow().config()).isEqualTo(helmJson("get", "values", "web"));
    }

    @Test
    void ourRollbackIsReadBackByRealHelmAndRealRollbackByUs() throws Exception {
        Tools.helm(cluster, "install", "web", WEB.toString(), "-n", NS, "-f", V2).orFail();
        Tools.helm(cluster, "upgrade", "web", WEB.toString(), "-n", NS, "-f", V3).orFail();
        JsonNode v1Values = helmJson("get", "values", "web", "--revision", "1");
        String v1Manifest = Tools.helm(cluster, "get", "manifest", "web", "-n", NS, "--revision", "1").orFail()
                .stdout();

        HelmRelease v3 = new HelmRollback(storage, ReadinessWaiter.none(), Duration.ofSeconds(5)).rollback("web", 1);

        assertThat(v3.version()).isEqualTo(3);
        List<HelmHistory.Entry> ours = ourHistory();
        List<HelmHistory.Entry> helms = helmHistory();
        assertThat(helms).isEqualTo(ours);
        assertThat(helms).extracting(HelmHistory.Entry::revision, HelmHistory.Entry::status,
                HelmHistory.Entry::description).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded", "Install complete"),
                org.assertj.core.groups.Tuple.tuple(2, "superseded", "Upgrade complete"),
                org.assertj.core.groups.Tuple.tuple(3, "deployed", "Rollback to 1"));
        JsonNode status = helmJson("status", "web");
        assertThat(status.path("version").asInt()).isEqualTo(3);
        assertThat(status.path("info").path("status").asText()).isEqualTo("deployed");
        assertThat(status.path("info").path("notes").asText()).isEqualTo("web serves hello again.\n");
        assertThat(helmJson("get", "values", "web")).isEqualTo(v1Values);
        assertThat(Tools.helm(cluster, "get", "manifest", "web", "-n", NS).orFail().stdout()).isEqualTo(v1Manifest);
        assertThat(cluster.client().configMaps().inNamespace(NS).withName("web-config").get().getData())
                .containsEntry("message", "hello again");

        Tools.helm(cluster, "rollback", "web", "2", "-n", NS).orFail();

        assertThat(ourHistory()).isEqualTo(helmHistory());
        assertThat(ourHistory()).extracting(HelmHistory.Entry::status, HelmHistory.Entry::description)
                .last().isEqualTo(org.assertj.core.groups.Tuple.tuple("deployed", "Rollback to 2"));
        assertThat(ourHistory()).extracting(HelmHistory.Entry::status)
                .containsExactly("superseded", "superseded", "superseded", "deployed");
        measure();
    }

    /** Figures for the docs: wall time and API calls of a rollback and a history read (warm JVM), vs real helm. */
    private void measure() {
        HelmRollback rollback = new HelmRollback(storage, ReadinessWaiter.none(), Duration.ofSeconds(5));
        int rounds = 10;
        long rollbackNanos = 0;
        long historyNanos = 0;
        int rollbackCalls = 0;
        int historyCalls = 0;
        for (int i = 0; i < rounds; i++) {
            cluster.clearCalls();
            long t0 = System.nanoTime();
            rollback.rollback("web", 1 + i % 2);
            rollbackNanos += System.nanoTime() - t0;
            rollbackCalls += cluster.calls().size();
            cluster.clearCalls();
            t0 = System.nanoTime();
            ourHistory();
            historyNanos += System.nanoTime() - t0;
            historyCalls += cluster.calls().size();
        }
        long t0 = System.nanoTime();
        Tools.helm(cluster, "rollback", "web", "1", "-n", NS).orFail();
        long helmRollbackMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        Tools.helm(cluster, "history", "web", "-n", NS).orFail();
        long helmHistoryMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("Helm figures against the mock API server (mean of %d, warm): DeployGuard rollback %.1f ms, "
                        + "%d API calls; history %.1f ms, %d API calls; real helm rollback %d ms, history %d ms "
                        + "(one process each)%n", rounds, rollbackNanos / 1e6 / rounds, rollbackCalls / rounds,
                historyNanos / 1e6 / rounds, historyCalls / rounds, helmRollbackMs, helmHistoryMs);
    }

    @Test
    void rollbackCrashedAfterItsPendingRecordIsSeenAndRecoveredByRealHelm() throws Exception {
        Tools.helm(cluster, "install", "web", WEB.toString(), "-n", NS, "-f", V2).orFail();
        Tools.helm(cluster, "upgrade", "web", WEB.toString(), "-n", NS, "-f", V3).orFail();
        ReadinessWaiter dies = (objects, timeout) -> {
            throw new HelmRollbackTest.Crash();
        };

        assertThatThrownBy(() -> new HelmRollback(storage, dies, Duration.ofSeconds(5)).rollback("web", 1))
                .isInstanceOf(HelmRollbackTest.Crash.class);

        assertThat(helmHistory()).extracting(HelmHistory.Entry::status, HelmHistory.Entry::description).last()
                .isEqualTo(org.assertj.core.groups.Tuple.tuple("pending-rollback", "Rollback to 1"));
        Tools.Result upgrade = Tools.helm(cluster, "upgrade", "web", WEB.toString(), "-n", NS, "-f", V2);
        assertThat(upgrade.exit()).isNotZero();
        assertThat(upgrade.stderr()).contains("another operation (install/upgrade/rollback) is in progress");

        Tools.helm(cluster, "rollback", "web", "2", "-n", NS).orFail();

        assertThat(ourHistory()).isEqualTo(helmHistory());
        assertThat(ourHistory()).extracting(HelmHistory.Entry::status).containsExactly("superseded", "superseded",
                "pending-rollback", "deployed");
    }

    @Test
    void ourUpgradesAndAtomicFailureAreReadByRealHelm() throws Exception {
        ClusterSimulator simulator = new ClusterSimulator(cluster.client());
        simulator.failImage("nginx:broken");
        ReadinessWaiter readiness = new DeploymentReadiness(cluster.client(), Duration.ofMillis(50));
        HelmUpgrade upgrade = new HelmUpgrade(storage, new ChartRenderer(), readiness, Duration.ofSeconds(10));
        // The broken release never becomes ready, so this limit always runs out; the atomic rollback's readiness
        // wait gets the same limit, and 2 s was too short for the simulated controller at load 45.
        HelmUpgrade impatient = new HelmUpgrade(storage, new ChartRenderer(), readiness, Duration.ofSeconds(6));
        AutoCloseable controller = simulator.runInBackground(50);
        try {
            upgrade.upgrade("web", WEB, List.of(CHARTS.resolve("web-v2.yaml")), true);
            Tools.helm(cluster, "upgrade", "web", WEB.toString(), "-n", NS, "-f", V3).orFail();
            assertThatThrownBy(() -> impatient.upgrade("web", WEB, List.of(CHARTS.resolve("web-broken.yaml")), true))
                    .hasMessageStartingWith("release web failed, and has been rolled back due to atomic being set");
        } finally {
            controller.close();
        }

        List<HelmHistory.Entry> helms = helmHistory();
        assertThat(helms).isEqualTo(ourHistory());
        assertThat(helms).extracting(HelmHistory.Entry::status).containsExactly("superseded", "superseded",
                "failed", "deployed");
        assertThat(helms.get(0).description()).isEqualTo("Install complete");
        assertThat(helms.get(2).description()).startsWith("Upgrade \"web\" failed: timed out after 6000 ms waiting "
                + "for Deployment apps/web");
        assertThat(helms.get(3).description()).isEqualTo("Rollback to 2");
        assertThat(helmJson("get", "values", "web").path("message").asText()).isEqualTo("third");
        assertThat(helmJson("get", "values", "web", "--revision", "1"))
                .isEqualTo(ChartRecord.userValues(List.of(CHARTS.resolve("web-v2.yaml"))));

        Tools.helm(cluster, "upgrade", "web", WEB.toString(), "-n", NS, "-f", V2).orFail();
        assertThat(ourHistory()).isEqualTo(helmHistory()).hasSize(5);
    }
}
