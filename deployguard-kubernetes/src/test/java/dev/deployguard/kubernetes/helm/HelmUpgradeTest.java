package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HelmUpgradeTest {
    static final Path CHARTS = Path.of("src/test/resources/charts");
    static final Path WEB = CHARTS.resolve("web");
    static final String NS = "apps";

    private PlainMock mock;
    private HelmReleaseStorage storage;

    @BeforeEach
    void start() {
        mock = PlainMock.start();
        storage = new HelmReleaseStorage(mock.client, NS, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    private HelmUpgrade upgrade(ReadinessWaiter waiter) {
        return new HelmUpgrade(storage, new ChartRenderer(), waiter, Duration.ofSeconds(1));
    }

    /** Installs web (v1), then upgrades with web-v2.yaml (v2) and web-v3.yaml (v3), each becoming available. */
    static void threeRevisions(PlainMock mock, HelmReleaseStorage storage) {
        HelmUpgrade up = new HelmUpgrade(storage, new ChartRenderer(),
                mock.controllerThenReadiness(image -> false), Duration.ofSeconds(5));
        up.upgrade("web", WEB, List.of(), true);
        up.upgrade("web", WEB, List.of(CHARTS.resolve("web-v2.yaml")), true);
        up.upgrade("web", WEB, List.of(CHARTS.resolve("web-v3.yaml")), true);
    }

    @Test
    void installAndUpgradesLeaveHelmsRecordsHistoryAndObjects() {
        threeRevisions(mock, storage);

        List<HelmHistory.Entry> history = new HelmHistory(storage).of("web", HelmHistory.DEFAULT_MAX);
        assertThat(history).extracting(HelmHistory.Entry::revision, HelmHistory.Entry::status,
                        HelmHistory.Entry::chart, HelmHistory.Entry::appVersion, HelmHistory.Entry::description)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, "superseded", "web-1.2.0", "2.0.1", "Install complete"),
                        org.assertj.core.groups.Tuple.tuple(2, "superseded", "web-1.2.0", "2.0.1", "Upgrade complete"),
                        org.assertj.core.groups.Tuple.tuple(3, "deployed", "web-1.2.0", "2.0.1", "Upgrade complete"));
        assertThat(history.get(2).updated()).isAfterOrEqualTo(history.get(0).updated());
        assertThat(new HelmHistory(storage).of("web", 2)).extracting(HelmHistory.Entry::revision)
                .containsExactly(2, 3);

        HelmRelease v3 = storage.get("web", 3).orElseThrow();
        assertThat(v3.config().path("message").asText()).isEqualTo("third");
        assertThat(v3.json().path("chart").path("templates")).extracting(t -> t.path("name").asText())
                .containsExactly("templates/NOTES.txt", "templates/_helpers.tpl", "templates/configmap.yaml",
                        "templates/deployment.yaml", "templates/extra.yaml", "templates/service.yaml",
                        "templates/tests/smoke.yaml");
        assertThat(v3.manifest()).startsWith("---\n# Source: web/templates/configmap.yaml\n")
                .doesNotContain("helm.sh/hook");
        assertThat(storage.get("web", 1).orElseThrow().json().has("config")).as("no values given: no config key")
                .isFalse();

        Secret record = mock.client.secrets().inNamespace(NS).withName("sh.helm.release.v1.web.v3").get();
        assertThat(record.getType()).isEqualTo("helm.sh/release.v1");
        assertThat(record.getMetadata().getLabels()).containsEntry("status", "deployed")
                .containsEntry("owner", "helm").containsEntry("version", "3").containsKey("modifiedAt");

        ConfigMap config = mock.client.configMaps().inNamespace(NS).withName("web-config").get();
        assertThat(config.getData()).containsEntry("message", "third");
        assertThat(config.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");
        assertThat(config.getMetadata().getAnnotations()).containsEntry("meta.helm.sh/release-name", "web")
                .containsEntry("meta.helm.sh/release-namespace", NS);
        assertThat(mock.client.configMaps().inNamespace(NS).withName("web-extra").get()).isNotNull();
        Deployment web = mock.client.apps().deployments().inNamespace(NS).withName("web").get();
        assertThat(web.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.27");
        assertThat(mock.client.pods().inNamespace(NS).withName("web-smoke").get()).as("test hooks are not applied")
                .isNull();
    }

    @Test
    void atomicUpgradeThatNeverBecomesReadyIsMarkedFailedAndRolledBack() {
        threeRevisions(mock, storage);
        Path broken = CHARTS.resolve("web-broken.yaml");

        assertThatThrownBy(() -> upgrade(mock.controllerThenReadiness(image -> image.endsWith(":broken")))
                .upgrade("web", WEB, List.of(broken), true))
                .isInstanceOf(DeployGuardException.class)
                .hasMessageStartingWith("release web failed, and has been rolled back due to atomic being set: "
                        + "timed out after 1000 ms waiting for Deployment apps/web (2 of 2 replicas updated, 0 "
                        + "available)")
                .extracting(e -> ((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);

        assertThat(new HelmHistory(storage).of("web", 3)).extracting(HelmHistory.Entry::revision,
                HelmHistory.Entry::status, HelmHistory.Entry::description).containsExactly(
                org.assertj.core.groups.Tuple.tuple(3, "superseded", "Upgrade complete"),
                org.assertj.core.groups.Tuple.tuple(4, "failed", "Upgrade \"web\" failed: timed out after 1000 ms "
                        + "waiting for Deployment apps/web (2 of 2 replicas updated, 0 available)"),
                org.assertj.core.groups.Tuple.tuple(5, "deployed", "Rollback to 3"));
        assertThat(storage.get("web", 5).orElseThrow().manifest())
                .isEqualTo(storage.get("web", 3).orElseThrow().manifest());
        Deployment web = mock.client.apps().deployments().inNamespace(NS).withName("web").get();
        assertThat(web.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.27");
    }

    @Test
    void nonAtomicFailureLeavesTheFailedRevisionAndThePreviousDeployed() {
        threeRevisions(mock, storage);

        assertThatThrownBy(() -> new HelmUpgrade(storage, new ChartRenderer(),
                mock.controllerThenReadiness(image -> image.endsWith(":broken")), Duration.ofMillis(200))
                .upgrade("web", WEB, List.of(CHARTS.resolve("web-broken.yaml")), false))
                .hasMessageContaining("UPGRADE FAILED: timed out after 200 ms");

        assertThat(new HelmHistory(storage).of("web", 2)).extracting(HelmHistory.Entry::status)
                .containsExactly("deployed", "failed");
    }

    @Test
    void atomicInstallThatFailsIsUninstalled() {
        assertThatThrownBy(() -> new HelmUpgrade(storage, new ChartRenderer(),
                mock.controllerThenReadiness(image -> image.endsWith(":broken")), Duration.ofMillis(200))
                .upgrade("web", WEB, List.of(CHARTS.resolve("web-broken.yaml")), true))
                .hasMessageStartingWith("release web failed, and has been uninstalled due to atomic being set: "
                        + "timed out after 200 ms");

        assertThat(storage.history("web")).isEmpty();
        assertThat(mock.client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(mock.client.apps().deployments().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> upgrade(ReadinessWaiter.none()).upgrade("Web_1", WEB, List.of(), false))
                .hasMessageContaining("'Web_1' is not a valid Helm release name");
        assertThatThrownBy(() -> upgrade(ReadinessWaiter.none()).upgrade("web", CHARTS.resolve("missing"),
                List.of(), false)).hasMessageContaining("cannot be read: no such directory");
        assertThatThrownBy(() -> upgrade(ReadinessWaiter.none()).upgrade("web", CHARTS.resolve("needs-value"),
                List.of(), false)).hasMessageContaining("does not render")
                .hasMessageContaining("image.repository is required");
        assertThat(mock.client.secrets().inNamespace(NS).list().getItems()).isEmpty();
    }
}
