package dev.deployguard.kubernetes.helm;

import static dev.deployguard.kubernetes.helm.HelmUpgradeTest.CHARTS;
import static dev.deployguard.kubernetes.helm.HelmUpgradeTest.NS;
import static dev.deployguard.kubernetes.helm.HelmUpgradeTest.WEB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HelmRollbackTest {
    private PlainMock mock;
    private HelmReleaseStorage storage;

    @BeforeEach
    void threeRevisions() {
        mock = PlainMock.start();
        mock.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata()
                .build()).create();
        storage = new HelmReleaseStorage(mock.client, NS, Clock.systemUTC());
        HelmUpgradeTest.threeRevisions(mock, storage);
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    private HelmRollback rollback() {
        return new HelmRollback(storage, ReadinessWaiter.none(), Duration.ofSeconds(1));
    }

    private List<HelmHistory.Entry> history() {
        return new HelmHistory(storage).of("web", HelmHistory.DEFAULT_MAX);
    }

    private String image() {
        Deployment web = mock.client.apps().deployments().inNamespace(NS).withName("web").get();
        return web.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Test
    void rollbackToThePreviousRevisionIsANewRevisionWithItsChartValuesAndObjects() {
        String versionBefore = mock.client.configMaps().inNamespace(NS).withName("web-config").get()
                .getMetadata().getResourceVersion();

        HelmRelease v4 = rollback().rollback("web", 0);

        HelmRelease v2 = storage.get("web", 2).orElseThrow();
        assertThat(v4.version()).isEqualTo(4);
        assertThat(v4.status()).isEqualTo(HelmStatus.DEPLOYED);
        assertThat(v4.description()).isEqualTo("Rollback to 2");
        assertThat(v4.json().get("chart")).isEqualTo(v2.json().get("chart"));
        assertThat(v4.config()).isEqualTo(v2.config());
        assertThat(v4.manifest()).isEqualTo(v2.manifest());
        assertThat(v4.firstDeployed()).isEqualTo(storage.get("web", 1).orElseThrow().firstDeployed());
        assertThat(storage.get("web", 4).orElseThrow()).isEqualTo(v4);
        assertThat(history()).extracting(HelmHistory.Entry::revision, HelmHistory.Entry::status,
                HelmHistory.Entry::description).containsExactly(
                tuple(1, "superseded", "Install complete"),
                tuple(2, "superseded", "Upgrade complete"),
                tuple(3, "superseded", "Upgrade complete"),
                tuple(4, "deployed", "Rollback to 2"));

        var config = mock.client.configMaps().inNamespace(NS).withName("web-config").get();
        assertThat(config.getData()).containsEntry("message", "hello again");
        assertThat(config.getMetadata().getResourceVersion()).as("replaced in place, not recreated")
                .isNotEqualTo(versionBefore);
        assertThat(image()).isEqualTo("nginx:1.28");
        assertThat(mock.client.configMaps().inNamespace(NS).withName("web-extra").get())
                .as("an object of the current revision the target lacks is deleted").isNull();
    }

    @Test
    void rollbackToARevisionRecreatesWhatItHadAndKeepsItsAbsentValues() {
        rollback().rollback("web", 0);
        mock.client.configMaps().inNamespace(NS).withName("web-config").delete();

        HelmRelease v5 = rollback().rollback("web", 3);

        assertThat(v5.description()).isEqualTo("Rollback to 3");
        assertThat(v5.config().path("message").asText()).isEqualTo("third");
        assertThat(mock.client.configMaps().inNamespace(NS).withName("web-extra").get()).isNotNull();
        assertThat(mock.client.configMaps().inNamespace(NS).withName("web-config").get().getData())
                .as("missing objects are created").containsEntry("message", "third");
        HelmRelease v6 = rollback().rollback("web", 1);
        assertThat(v6.json().has("config")).isFalse();
        assertThat(history()).extracting(HelmHistory.Entry::status).containsExactly("superseded", "superseded",
                "superseded", "superseded", "superseded", "deployed");
    }

    @Test
    void unknownReleaseRevisionOrNamespaceIsNotFoundAndWritesNothing() {
        assertThatThrownBy(() -> rollback().rollback("api", 0))
                .hasMessage("Helm release 'api' not found in namespace apps: there is no Secret "
                        + "sh.helm.release.v1.api.vN there. Check the release name and namespace (helm list -n apps).")
                .extracting(e -> ((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        assertThatThrownBy(() -> rollback().rollback("web", 7))
                .hasMessage("Helm release 'web' has no revision 7 to roll back to; its revisions are 1, 2, 3. "
                        + "Pick one of them (helm history web).");
        assertThatThrownBy(() -> new HelmRollback(new HelmReleaseStorage(mock.client, "nowhere",
                Clock.systemUTC()), ReadinessWaiter.none(), Duration.ofSeconds(1)).rollback("web", 0))
                .hasMessageContaining("Namespace nowhere does not exist");
        assertThat(history()).hasSize(3);
        assertThat(mock.client.secrets().inNamespace(NS).list().getItems()).hasSize(3);
    }

    @Test
    void forbiddenRecordWriteChangesNothing() {
        mock.server.expect().post().withPath("/api/v1/namespaces/apps/secrets")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                        "secrets is forbidden: User \"deployguard\" cannot create resource \"secrets\"").build())
                .once();

        assertThatThrownBy(() -> rollback().rollback("web", 1))
                .hasMessageStartingWith("forbidden: Kubernetes refused to create secrets "
                        + "\"sh.helm.release.v1.web.v4\" in namespace apps (secrets is forbidden: User \"deployguard\" "
                        + "cannot create resource \"secrets\"). Grant the kubeconfig user an RBAC Role in namespace "
                        + "apps allowing verb 'create' on resource 'secrets'")
                .extracting(e -> ((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(history()).extracting(HelmHistory.Entry::status)
                .containsExactly("superseded", "superseded", "deployed");
        assertThat(image()).isEqualTo("nginx:1.27");
    }

    @Test
    void forbiddenObjectUpdateLeavesTheFailedRevisionHelmWouldLeave() {
        mock.server.expect().put().withPath("/apis/apps/v1/namespaces/apps/deployments/web")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                        "deployments.apps \"web\" is forbidden").build()).once();

        assertThatThrownBy(() -> rollback().rollback("web", 0))
                .hasMessageStartingWith("Rollback \"web\" failed: forbidden: Kubernetes refused to update "
                        + "deployments.apps \"web\" in namespace apps")
                .extracting(e -> ((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);
        assertThat(history()).extracting(HelmHistory.Entry::revision, HelmHistory.Entry::status)
                .containsExactly(tuple(1, "superseded"), tuple(2, "superseded"), tuple(3, "superseded"),
                        tuple(4, "failed"));
        assertThat(history().get(3).description()).startsWith("Rollback \"web\" failed: forbidden");
    }

    @Test
    void conflictOnAnObjectUpdateIsRetried() {
        mock.server.expect().put().withPath("/apis/apps/v1/namespaces/apps/deployments/web")
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict").withMessage(
                        "the object has been modified; please apply your changes to the latest version").build())
                .times(2);

        HelmRelease v4 = rollback().rollback("web", 0);

        assertThat(v4.status()).isEqualTo(HelmStatus.DEPLOYED);
        assertThat(image()).isEqualTo("nginx:1.28");
    }

    @Test
    void unreachableApiServerIsReportedAsSuch() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (KubernetesClient offline = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closed).withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(2000).build()).build()) {
            HelmReleaseStorage away = new HelmReleaseStorage(offline, NS, Clock.systemUTC());

            assertThatThrownBy(() -> new HelmRollback(away, ReadinessWaiter.none(), Duration.ofSeconds(1))
                    .rollback("web", 0))
                    .hasMessageStartingWith("cannot reach the Kubernetes API server at http://127.0.0.1:" + closed
                            + "/ to list secrets in namespace apps")
                    .extracting(e -> ((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.UNREACHABLE);
        }
    }

    /** A process dying mid-rollback (not an exception DeployGuard handles). */
    static final class Crash extends Error {
        Crash() {
            super("simulated crash");
        }
    }

    @Test
    void crashAfterThePendingRecordLeavesReadableRecordsAndIsRecoverable() {
        ReadinessWaiter dies = (objects, timeout) -> {
            throw new Crash();
        };

        assertThatThrownBy(() -> new HelmRollback(storage, dies, Duration.ofSeconds(1)).rollback("web", 1))
                .isInstanceOf(Crash.class);

        assertThat(history()).extracting(HelmHistory.Entry::revision, HelmHistory.Entry::status,
                HelmHistory.Entry::description).containsExactly(
                tuple(1, "superseded", "Install complete"),
                tuple(2, "superseded", "Upgrade complete"),
                tuple(3, "deployed", "Upgrade complete"),
                tuple(4, "pending-rollback", "Rollback to 1"));
        assertThatThrownBy(() -> new HelmUpgrade(storage, new ChartRenderer(), ReadinessWaiter.none(),
                Duration.ofSeconds(1)).upgrade("web", WEB, List.of(CHARTS.resolve("web-v2.yaml")), false))
                .hasMessageContaining("revision 4 is pending-rollback")
                .extracting(e -> ((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.BUSY);

        HelmRelease v5 = rollback().rollback("web", 3);

        assertThat(v5.version()).isEqualTo(5);
        assertThat(history()).extracting(HelmHistory.Entry::status).containsExactly("superseded", "superseded",
                "superseded", "pending-rollback", "deployed");
        assertThat(image()).isEqualTo("nginx:1.27");
        assertThat(mock.client.configMaps().inNamespace(NS).withName("web-extra").get()).isNotNull();
    }
}
