package dev.deployguard.kubernetes.progressive;

import static dev.deployguard.kubernetes.testing.HelmComparison.hookRuns;
import static dev.deployguard.kubernetes.testing.HelmComparison.objects;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.testing.HelmComparison;
import dev.deployguard.kubernetes.testing.JobController;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Helm fidelity of what progressive delivery writes itself: a Helm canary's promotion ({@link HelmPromotion}), its
 * undo after promotion (the abort during the bake: a Helm rollback) and a Helm blue/green's finishing upgrade
 * ({@link HelmBlueGreen#finish}), each compared with real helm 3.17 doing the same on another mock cluster in the
 * same state: {@code helm upgrade --description CAUSE -f VERSION-VALUES} and {@code helm rollback NAME 1}.
 * The chart ({@code charts/hooked}) has pre/post-upgrade and pre/post-rollback hooks with weights and delete
 * policies, a {@code lookup}, {@code .Release.IsUpgrade}/{@code .Revision}, a {@code crds/} directory and no
 * {@code replicas}; someone else scaled the release to 3 and made the looked-up ConfigMap; DeployGuard labelled the
 * stable pods with its track and runs the canary (or slot) Deployment beside them, on both clusters.
 * Compared field by field: the writes in order (hook runs included), every object, the release records (helm's
 * Secrets, decoded); only timestamps, UIDs and resourceVersions are left out. Behaviour copied from helm/helm
 * {@code pkg/action/upgrade.go} (description, hooks, three-way merge), {@code rollback.go}, {@code hooks.go}.
 */
class HelmProgressiveFidelityIT {
    private static final String NS = "apps";
    private static final Path CHART = Path.of("src/test/resources/charts/hooked");
    /** The values a plain deploy of version 2.0 adds (JSON, which is YAML), as the canary carries them. */
    private static final String V2 = "{\"tag\":\"2.0\"}";
    private static final String CAUSE = "canary of 2.0 by carol";
    private static final HelmChartRelease RELEASE = new HelmChartRelease("hooked", CHART, List.of(), "hooked");
    private static final Rollout ROLLOUT = Rollout.start(7, "hooked", RolloutKind.CANARY, 1, 2,
            Instant.parse("2026-12-07T10:00:00Z"));

    @TempDir
    Path dir;
    private MockCluster helm;
    private MockCluster ours;
    private JobController helmJobs;
    private JobController ourJobs;

    @BeforeAll
    static void binaries() {
        Tools.require("the Helm fidelity oracle tests of progressive delivery");
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

    /**
     * Both clusters: installed by real helm, scaled to 3 and given the looked-up ConfigMap by someone else, the
     * stable pods labelled with DeployGuard's track, and {@code beside} (the canary or slot Deployment) running the
     * chart's rendering for 2.0 with the version's values on it.
     */
    private void installedWithBesideOnBoth(String beside) {
        for (MockCluster c : List.of(helm, ours)) {
            Tools.helm(c, "install", "hooked", CHART.toString(), "-n", NS).orFail();
            Deployment stable = c.client().apps().deployments().inNamespace(NS).withName("hooked").edit(d -> {
                d.getSpec().setReplicas(3);
                d.getSpec().getTemplate().getMetadata().setLabels(Labels.with(
                        d.getSpec().getTemplate().getMetadata().getLabels(), Labels.TRACK, Labels.STABLE));
                return d;
            });
            c.client().configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("external").endMetadata().addToData("owner", "team-a").build()).create();
            // What the canary or slot runs matters not here (the chart's lookup cannot render offline, see
            // docs/kubernetes.md): the version's values on it are what promotion upgrades the release with.
            c.client().apps().deployments().inNamespace(NS).resource(new DeploymentBuilder(stable)
                    .withMetadata(new ObjectMetaBuilder().withName(beside).withNamespace(NS)
                            .withLabels(Map.of(Labels.MANAGED_BY, "deployguard"))
                            .withAnnotations(Map.of(HelmChartRelease.VERSION_VALUES, V2)).build())
                    .editSpec().editTemplate().editSpec().editFirstContainer().withImage("nginx:2.0")
                    .endContainer().endSpec().endTemplate().endSpec()
                    .withStatus(null).build()).create();
            c.clearCalls();
        }
    }

    /** {@code helm upgrade --description CAUSE} with the version's values, as a user would run it by hand. */
    private Tools.Result helmUpgrade(String description) {
        try {
            Path values = Files.writeString(dir.resolve("version-values.yaml"), V2);
            return Tools.helm(helm, "upgrade", "hooked", CHART.toString(), "-n", NS, "-f", values.toString(),
                    "--description", description);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HelmReleaseStorage storage() {
        return new HelmReleaseStorage(ours.client(), NS, Clock.systemUTC());
    }

    private String kubeconfig() {
        try {
            return Files.readString(ours.kubeconfig());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HelmPromotion promotion() {
        KubernetesCanary canary = new KubernetesCanary(ours.client(), new AppWorkload(NS, "hooked", "hooked"),
                new NginxCanaryRoute(ours.client(), NS, "hooked", "hooked"), 1);
        return new HelmPromotion(storage(), new ChartRenderer(), RELEASE, canary, Duration.ofSeconds(30),
                this::kubeconfig);
    }

    private void assertSameAsHelm() {
        assertThat(hookRuns(ours)).as("writes in order, hook runs included").isEqualTo(hookRuns(helm));
        assertThat(objects(ours)).isEqualTo(objects(helm));
        assertThat(records(ours)).isEqualTo(records(helm));
        assertThat(ourJobs.finished()).isEqualTo(helmJobs.finished());
    }

    @Test
    void aCanaryPromotionIsHelmUpgradeAndItsUndoIsHelmRollbackFieldByField() {
        installedWithBesideOnBoth("hooked-canary");
        HelmPromotion promotion = promotion();

        helmUpgrade(CAUSE).orFail();
        promotion.promote(ROLLOUT, CAUSE);

        assertSameAsHelm();
        assertThat(hookRuns(ours)).startsWith("POST secrets", "DELETE jobs hooked-migrate")
                .contains("POST jobs", "DELETE jobs hooked-smoke");
        assertThat(ourJobs.finished()).containsExactly("apps/hooked-migrate Complete", "apps/hooked-smoke Complete");
        assertThat(configData(ours)).as("rendered as an upgrade of revision 2, lookup answered by the cluster")
                .containsEntry("tag", "2.0").containsEntry("isUpgrade", "true").containsEntry("revision", "2")
                .containsEntry("owner", "team-a");
        Deployment stable = deployment(ours, "hooked");
        assertThat(stable.getSpec().getReplicas()).as("the chart omits replicas: the live count stays").isEqualTo(3);
        assertThat(stable.getSpec().getTemplate().getMetadata().getLabels())
                .as("DeployGuard's track label survives Helm's three-way merge").containsEntry(Labels.TRACK,
                        Labels.STABLE);
        assertThat(stable.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("nginx:2.0");
        assertThat(records(ours).get("sh.helm.release.v1.hooked.v2").path("info").path("description").asText())
                .isEqualTo(CAUSE);
        assertThat(Tools.helm(ours, "history", "hooked", "-n", NS).orFail().stdout())
                .as("real helm reads what the promotion wrote").contains("superseded").contains(CAUSE);
        assertThat(promotion.promoted(ROLLOUT)).isTrue();

        promotion.promote(ROLLOUT, CAUSE);
        assertThat(storage().history("hooked")).as("a repeated promotion writes nothing more").hasSize(2);

        for (MockCluster c : List.of(helm, ours)) {
            c.clearCalls();
        }
        Tools.helm(helm, "rollback", "hooked", "1", "-n", NS).orFail();
        promotion.undo(ROLLOUT, "errors during the bake");

        assertSameAsHelm();
        assertThat(hookRuns(ours)).contains("DELETE configmaps hooked-upgrade-marker",
                "DELETE jobs hooked-post-rollback");
        assertThat(ourJobs.finished()).contains("apps/hooked-pre-rollback Complete",
                "apps/hooked-post-rollback Complete");
        assertThat(deployment(ours, "hooked").getSpec().getReplicas()).isEqualTo(3);
        assertThat(configData(ours)).containsEntry("tag", "1.0");
        assertThat(records(ours).get("sh.helm.release.v1.hooked.v3").path("info").path("description").asText())
                .isEqualTo("Rollback to 1");
        assertThat(promotion.promoted(ROLLOUT)).as("a rollback is not a promotion").isFalse();
    }

    @Test
    void aPromotionWhosePreUpgradeHookFailsFailsAsHelmUpgradeDoes() {
        installedWithBesideOnBoth("hooked-canary");
        helmJobs.fail("hooked-migrate");
        ourJobs.fail("hooked-migrate");
        HelmPromotion promotion = promotion();

        Tools.Result real = helmUpgrade(CAUSE);
        assertThatThrownBy(() -> promotion.promote(ROLLOUT, CAUSE)).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("pre-upgrade hooks failed")
                .hasMessageContaining("job hooked-migrate failed: BackoffLimitExceeded");

        assertThat(real.exit()).isNotZero();
        assertSameAsHelm();
        assertThat(configData(ours)).as("the release's objects were not touched").containsEntry("tag", "1.0");
        assertThat(records(ours).get("sh.helm.release.v1.hooked.v2").path("info").path("status").asText())
                .isEqualTo("failed");
        assertThat(promotion.promoted(ROLLOUT)).isFalse();
    }

    @Test
    void aBlueGreenFinishIsHelmUpgradeFieldByField() {
        installedWithBesideOnBoth("hooked-preview");
        String cause = "DeployGuard: blue/green revision 2 of hooked (rollout 7)";
        HelmBlueGreen slots = new HelmBlueGreen(ours.client(), new AppWorkload(NS, "hooked", "hooked"), storage(),
                new ChartRenderer(), RELEASE, Duration.ofSeconds(30), this::kubeconfig);

        helmUpgrade(cause).orFail();
        HelmBlueGreen.Progress first = slots.finish(2, cause);

        assertThat(first).as("the chart's Deployment has yet to roll the new version out")
                .isEqualTo(HelmBlueGreen.Progress.WAITING);
        assertSameAsHelm();
        assertThat(configData(ours)).containsEntry("isUpgrade", "true").containsEntry("revision", "2")
                .containsEntry("owner", "team-a");
        assertThat(deployment(ours, "hooked").getSpec().getReplicas()).isEqualTo(3);
        assertThat(deployment(ours, "hooked").getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(Labels.TRACK, Labels.STABLE);

        ours.clearCalls();
        assertThat(slots.finish(2, cause)).isEqualTo(HelmBlueGreen.Progress.WAITING);
        assertThat(hookRuns(ours)).as("the next tick finds the upgrade written and writes nothing").isEmpty();
        assertThat(storage().history("hooked")).hasSize(2);
    }

    private static Map<String, JsonNode> records(MockCluster c) {
        return HelmComparison.records(c, NS);
    }

    private static Deployment deployment(MockCluster c, String name) {
        return c.client().apps().deployments().inNamespace(NS).withName(name).get();
    }

    private static Map<String, String> configData(MockCluster c) {
        return c.client().configMaps().inNamespace(NS).withName("hooked-config").get().getData();
    }
}
