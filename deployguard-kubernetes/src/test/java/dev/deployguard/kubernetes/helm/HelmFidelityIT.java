package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.testing.HelmComparison;
import dev.deployguard.kubernetes.testing.JobController;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Helm fidelity oracle: the same chart ({@code charts/hooked}: pre/post-upgrade and pre/post-rollback hooks with
 * weights and delete policies, a {@code lookup}, {@code .Release.IsUpgrade}/{@code .Revision}, a {@code crds/}
 * directory, no {@code replicas}) is upgraded and rolled back by real helm 3.17 on one mock cluster and by
 * DeployGuard on another, both in the same state beforehand (installed by real helm, scaled to 3 replicas by
 * "someone else", a ConfigMap for the lookup). Then the objects, the hook runs (the API writes, in order) and the
 * release records (helm's Secrets, decoded) are compared field by field; only timestamps, UIDs and
 * resourceVersions are left out. A {@link JobController} on each cluster finishes hook Jobs as the Job controller
 * would. Behaviour copied from helm/helm {@code pkg/action/upgrade.go}, {@code rollback.go}, {@code hooks.go}.
 */
class HelmFidelityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "apps";
    private static final Path CHART = Path.of("src/test/resources/charts/hooked");
    private static final Path V2 = Path.of("src/test/resources/charts/hooked-v2.yaml");
    private static final Path V2_OFFLINE = Path.of("src/test/resources/charts/hooked-v2-offline.yaml");
    private static final Path OFFLINE = Path.of("src/test/resources/charts/hooked-offline.yaml");

    private MockCluster helm;
    private MockCluster ours;
    private JobController helmJobs;
    private JobController ourJobs;

    @BeforeAll
    static void binaries() {
        Tools.require("the Helm fidelity oracle tests");
    }

    @BeforeEach
    void start() {
        helm = MockCluster.start();
        ours = MockCluster.start();
        helmJobs = new JobController(helm.client());
        ourJobs = new JobController(ours.client());
    }

    @AfterEach
    void stop() {
        helmJobs.close();
        ourJobs.close();
        helm.close();
        ours.close();
    }

    /** Both clusters: installed by real helm, then scaled and given the looked-up ConfigMap by someone else. */
    private void installedByHelmOnBoth() {
        for (MockCluster c : List.of(helm, ours)) {
            Tools.helm(c, "install", "hooked", CHART.toString(), "-n", NS).orFail();
            c.client().apps().deployments().inNamespace(NS).withName("hooked")
                    .edit(d -> {
                        d.getSpec().setReplicas(3);
                        return d;
                    });
            c.client().configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("external").endMetadata().addToData("owner", "team-a").build()).create();
            c.clearCalls();
        }
    }

    private HelmRollback rollback() {
        return new HelmRollback(new HelmReleaseStorage(ours.client(), NS, Clock.systemUTC()), ReadinessWaiter.none(),
                Duration.ofSeconds(30));
    }

    private HelmUpgrade library() throws java.io.IOException {
        return upgrade().byHelmLibrary(java.nio.file.Files.readString(ours.kubeconfig()));
    }

    private HelmUpgrade upgrade() {
        return new HelmUpgrade(new HelmReleaseStorage(ours.client(), NS, Clock.systemUTC()), new ChartRenderer(),
                ReadinessWaiter.none(), Duration.ofSeconds(30));
    }

    @Test
    void rollbackGivesTheObjectsHookRunsAndRecordsOfHelmRollback() {
        installedByHelmOnBoth();
        for (MockCluster c : List.of(helm, ours)) {
            Tools.helm(c, "upgrade", "hooked", CHART.toString(), "-n", NS, "-f", V2.toString()).orFail();
            c.clearCalls();
        }

        Tools.helm(helm, "rollback", "hooked", "1", "-n", NS).orFail();
        HelmRelease v3 = rollback().rollback("hooked", 1);

        assertThat(v3.version()).isEqualTo(3);
        assertThat(hookRuns(ours)).as("hook runs and writes, in order").isEqualTo(hookRuns(helm))
                .contains("POST jobs", "DELETE configmaps hooked-upgrade-marker", "DELETE jobs hooked-post-rollback");
        assertThat(objects(ours)).isEqualTo(objects(helm));
        assertThat(records(ours)).isEqualTo(records(helm));
        assertThat(replicas(ours)).as("replicas set by someone else survive the three-way merge").isEqualTo(3);
        assertThat(configData(ours)).containsEntry("tag", "1.0").containsEntry("owner", "none");
        assertThat(helmJobs.finished()).isEqualTo(ourJobs.finished());
    }

    @Test
    void upgradeByHelmsLibraryIsHelmUpgradeFieldByField() throws Exception {
        installedByHelmOnBoth();

        Tools.helm(helm, "upgrade", "hooked", CHART.toString(), "-n", NS, "-f", V2.toString()).orFail();
        HelmRelease v2 = library().upgrade("hooked", CHART, List.of(V2), false);

        assertThat(v2.version()).isEqualTo(2);
        assertThat(hookRuns(ours)).isEqualTo(hookRuns(helm)).startsWith("POST secrets",
                "DELETE jobs hooked-migrate");
        assertThat(objects(ours)).isEqualTo(objects(helm));
        assertThat(records(ours)).isEqualTo(records(helm));
        assertThat(replicas(ours)).isEqualTo(3);
        assertThat(configData(ours)).containsEntry("isUpgrade", "true").containsEntry("revision", "2")
                .containsEntry("owner", "team-a");
        assertThat(ourJobs.finished()).isEqualTo(helmJobs.finished())
                .containsExactly("apps/hooked-migrate Complete", "apps/hooked-smoke Complete");

        Tools.helm(helm, "rollback", "hooked", "1", "-n", NS).orFail();
        rollback().rollback("hooked", 1);

        assertThat(hookRuns(ours)).isEqualTo(hookRuns(helm));
        assertThat(objects(ours)).isEqualTo(objects(helm));
        assertThat(records(ours)).isEqualTo(records(helm));
    }

    @Test
    void aFailingPreUpgradeHookFailsTheUpgradeAsHelmDoes() throws Exception {
        installedByHelmOnBoth();
        helmJobs.fail("hooked-migrate");
        ourJobs.fail("hooked-migrate");
        HelmUpgrade library = library();

        Tools.Result real = Tools.helm(helm, "upgrade", "hooked", CHART.toString(), "-n", NS, "-f", V2.toString());
        assertThatThrownBy(() -> library.upgrade("hooked", CHART, List.of(V2), false))
                .isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("pre-upgrade hooks failed")
                .hasMessageContaining("job hooked-migrate failed: BackoffLimitExceeded");

        assertThat(real.exit()).isNotZero();
        assertThat(real.stderr()).contains("pre-upgrade hooks failed").contains("job hooked-migrate failed: "
                + "BackoffLimitExceeded");
        assertThat(hookRuns(ours)).isEqualTo(hookRuns(helm));
        assertThat(records(ours)).isEqualTo(records(helm));
        assertThat(objects(ours)).isEqualTo(objects(helm));
        assertThat(configData(ours)).as("the objects were not touched").containsEntry("tag", "1.0");
    }

    @Test
    void ourOwnUpgradeWriterMergesAsHelmButRendersOfflineWithoutHooks() {
        installedByHelmOnBoth();

        Tools.helm(helm, "upgrade", "hooked", CHART.toString(), "-n", NS, "-f", V2_OFFLINE.toString()).orFail();
        HelmRelease v2 = upgrade().upgrade("hooked", CHART, List.of(V2_OFFLINE), false);

        assertThat(v2.version()).isEqualTo(2);
        assertThat(replicas(ours)).isEqualTo(replicas(helm)).isEqualTo(3);
        // The known differences (docs/kubernetes.md): helm-java's offline template renders no hooks and does not
        // know it renders an upgrade, nor its revision.
        assertThat(hookRuns(ours)).doesNotContain("POST jobs");
        assertThat(configData(helm)).containsEntry("isUpgrade", "true").containsEntry("revision", "2");
        assertThat(configData(ours)).containsEntry("isUpgrade", "false").containsEntry("revision", "1");
        assertThat(objects(helm)).containsKey("ConfigMap hooked-upgrade-marker");
        assertThat(objects(ours)).doesNotContainKey("ConfigMap hooked-upgrade-marker");
        assertThat(masked(withoutHookObjects(objects(ours)))).isEqualTo(masked(withoutHookObjects(objects(helm))));
        assertThat(withoutHooks(masked(records(ours)))).isEqualTo(withoutHooks(masked(records(helm))));
    }

    @Test
    void aFailingPreRollbackHookLeavesWhatHelmLeaves() {
        installedByHelmOnBoth();
        for (MockCluster c : List.of(helm, ours)) {
            Tools.helm(c, "upgrade", "hooked", CHART.toString(), "-n", NS, "-f", V2.toString()).orFail();
            c.clearCalls();
        }
        helmJobs.fail("hooked-pre-rollback");
        ourJobs.fail("hooked-pre-rollback");

        Tools.Result real = Tools.helm(helm, "rollback", "hooked", "1", "-n", NS);
        assertThatThrownBy(() -> rollback().rollback("hooked", 1)).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("job hooked-pre-rollback failed: BackoffLimitExceeded");

        assertThat(real.exit()).isNotZero();
        assertThat(real.stderr()).contains("job hooked-pre-rollback failed: BackoffLimitExceeded");
        assertThat(hookRuns(ours)).isEqualTo(hookRuns(helm));
        assertThat(records(ours)).isEqualTo(records(helm));
        assertThat(objects(ours)).isEqualTo(objects(helm));
    }

    @Test
    void installCreatesTheCrdsAndRunsNoUpgradeHooksAsHelmInstall() {
        Tools.helm(helm, "install", "hooked", CHART.toString(), "-n", NS, "-f", OFFLINE.toString()).orFail();
        upgrade().upgrade("hooked", CHART, List.of(OFFLINE), false);

        assertThat(objects(ours)).isEqualTo(objects(helm));
        assertThat(withoutHooks(records(ours))).isEqualTo(withoutHooks(records(helm)));
        assertThat(ours.client().genericKubernetesResources("apiextensions.k8s.io/v1", "CustomResourceDefinition")
                .withName("widgets.example.com").get()).isNotNull();
        assertThat(ourJobs.finished()).isEmpty();
    }

    // --- what is compared ---

    private static List<String> hookRuns(MockCluster c) {
        return HelmComparison.hookRuns(c);
    }

    private static Map<String, JsonNode> objects(MockCluster c) {
        return HelmComparison.objects(c);
    }

    private static Map<String, JsonNode> records(MockCluster c) {
        return HelmComparison.records(c, NS);
    }

    /** The two values only a render that knows it is an upgrade gets right, blanked (see the upgrade test). */
    private static Map<String, JsonNode> masked(Map<String, JsonNode> docs) {
        Map<String, JsonNode> out = new TreeMap<>();
        docs.forEach((k, v) -> out.put(k, JSON.valueToTree(mask(JSON.convertValue(v, Object.class)))));
        return out;
    }

    private static Object mask(Object v) {
        if (v instanceof String s) {
            return s.replaceAll("isUpgrade: \"(true|false)\"", "isUpgrade: ?")
                    .replaceAll("revision: \"\\d+\"", "revision: ?");
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(k, List.of("isUpgrade", "revision").contains(k) ? "?" : mask(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(HelmFidelityIT::mask).toList();
        }
        return v;
    }

    /** Objects that are not hooks (those left by hooks DeployGuard's own writer cannot render). */
    private static Map<String, JsonNode> withoutHookObjects(Map<String, JsonNode> objects) {
        Map<String, JsonNode> out = new TreeMap<>(objects);
        out.values().removeIf(o -> o.path("metadata").path("annotations").has("helm.sh/hook"));
        return out;
    }

    /** Records without their hooks, which DeployGuard's own (offline) writer cannot render. */
    private static Map<String, JsonNode> withoutHooks(Map<String, JsonNode> records) {
        Map<String, JsonNode> out = new TreeMap<>();
        records.forEach((k, v) -> {
            ObjectNode copy = v.deepCopy();
            copy.remove("hooks");
            out.put(k, copy);
        });
        return out;
    }

    private static int replicas(MockCluster c) {
        return c.client().apps().deployments().inNamespace(NS).withName("hooked").get().getSpec().getReplicas();
    }

    private static Map<String, String> configData(MockCluster c) {
        return c.client().configMaps().inNamespace(NS).withName("hooked-config").get().getData();
    }
}
