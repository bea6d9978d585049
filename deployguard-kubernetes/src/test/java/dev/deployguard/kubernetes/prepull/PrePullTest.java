package dev.deployguard.kubernetes.prepull;

import static dev.deployguard.kubernetes.prepull.PrePullObjects.APP;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.NS;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.V1;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.V2;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.V3;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.appPod;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.prePullPod;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.testing.SimulatedClock;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pre-pull DaemonSet on fabric8's mock API server (CRUD): what is written, that its pods may land exactly where
 * the app's may, the wait on the status a DaemonSet controller writes (the mock runs none: the test writes it at
 * each poll, as the controller would), the timeout's message, and the rollback image held by a running container.
 */
@EnableKubernetesMockClient(crud = true)
class PrePullTest {
    KubernetesMockServer server;
    KubernetesClient client;

    private DaemonSet stored() {
        return client.apps().daemonSets().inNamespace(NS).withName("deployguard-prepull-web").get();
    }

    @Test
    void daemonSetCopiesWhereTheAppMayRunAndHoldsBothImages() {
        var app = appPod();
        new PrePull(client, new SimulatedClock(Instant.EPOCH), d -> { }, Duration.ofSeconds(1))
                .apply(PrePullDaemonSet.build(NS, APP, app, V3, V2, "busybox:1.36.1"));

        DaemonSet ds = stored();
        var pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getNodeSelector()).isEqualTo(app.getNodeSelector());
        assertThat(pod.getAffinity().getNodeAffinity()).isEqualTo(app.getAffinity().getNodeAffinity());
        // pod (anti-)affinity spreads the app's pods; it must not keep a daemon pod off a node
        assertThat(pod.getAffinity().getPodAntiAffinity()).isNull();
        assertThat(pod.getTolerations()).isEqualTo(app.getTolerations());
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("regcred");
        assertThat(pod.getServiceAccountName()).isEqualTo("web");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(ds.getSpec().getSelector().getMatchLabels()).containsEntry("deployguard.dev/prepull", "web");
        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("deployguard.dev/prepull",
                "web");
        assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getStrVal()).isEqualTo("100%");
        assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();

        assertThat(pod.getInitContainers()).singleElement().satisfies(tools -> {
            assertThat(tools.getImage()).isEqualTo("busybox:1.36.1");
            assertThat(tools.getCommand()).containsExactly("/bin/busybox", "cp", "/bin/busybox",
                    "/deployguard/busybox");
        });
        assertThat(pod.getContainers()).extracting(Container::getName, Container::getImage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("new", V3),
                        org.assertj.core.groups.Tuple.tuple("rollback", V2));
        for (Container c : pod.getContainers()) {
            assertThat(c.getCommand()).containsExactly("/deployguard/busybox", "sleep", "2147483647");
            assertThat(c.getResources().getRequests()).containsEntry("cpu", new Quantity("1m"))
                    .containsEntry("memory", new Quantity("4Mi"));
            assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("16Mi"));
            assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        }
    }

    @Test
    void theRollbackImageStaysInARunningContainerAcrossDeploys() {
        var prePull = new PrePull(client, new SimulatedClock(Instant.EPOCH), d -> status(client, 2, 2, 2),
                Duration.ofSeconds(1));
        // deploy of v2 while v1 serves, then of v3 while v2 serves
        prePull.warm(NS, APP, appPod(), V2, V1, "busybox:1.36.1", Duration.ofMinutes(1), line -> { });
        assertThat(PrePullDaemonSet.images(stored())).containsExactly(V2, V1);
        prePull.warm(NS, APP, appPod(), V3, V2, "busybox:1.36.1", Duration.ofMinutes(1), line -> { });

        DaemonSet ds = stored();
        assertThat(PrePullDaemonSet.images(ds)).containsExactly(V3, V2);
        // a running (not init) container uses it: the kubelet's image GC never removes an image in use
        Container rollback = ds.getSpec().getTemplate().getSpec().getContainers().get(1);
        assertThat(rollback.getName()).isEqualTo("rollback");
        assertThat(rollback.getCommand()).contains("sleep");
        assertThat(ds.getSpec().getTemplate().getSpec().getInitContainers()).extracting(Container::getImage)
                .doesNotContain(V2);
        assertThat(ds.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry(PrePullDaemonSet.NEW_IMAGE, V3).containsEntry(PrePullDaemonSet.ROLLBACK_IMAGE, V2);
        assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).hasSize(1);
    }

    @Test
    void aFirstDeployHoldsOnlyTheNewImage() {
        var ds = PrePullDaemonSet.build(NS, APP, appPod(), V2, null, "busybox:1.36.1");
        assertThat(PrePullDaemonSet.images(ds)).containsExactly(V2);
        assertThat(PrePullDaemonSet.images(PrePullDaemonSet.build(NS, APP, appPod(), V2, V2, "busybox:1.36.1")))
                .containsExactly(V2);
    }

    @Test
    void waitsUntilEveryEligibleNodeHoldsTheNewDigest() {
        // the controller's view, one step per poll: 1 of 3 updated, all updated and 2 ready, all ready
        int[][] steps = {{3, 1, 0}, {3, 3, 2}, {3, 3, 3}};
        int[] polls = {0};
        List<String> lines = new ArrayList<>();
        var clock = new SimulatedClock(Instant.EPOCH);
        var prePull = new PrePull(client, clock, d -> {
            clock.advance(d);
            int[] s = steps[Math.min(polls[0]++, steps.length - 1)];
            status(client, s[0], s[1], s[2]);
        }, Duration.ofSeconds(2));

        PrePullStatus done = prePull.warm(NS, APP, appPod(), V3, V2, "busybox:1.36.1", Duration.ofMinutes(5),
                lines::add);

        assertThat(done.done()).isTrue();
        assertThat(done.ready()).isEqualTo(3);
        assertThat(polls[0]).isEqualTo(3);
        assertThat(lines).containsExactly(
                "waiting for daemon set deployguard-prepull-web to be observed by the DaemonSet controller",
                "pre-pulling registry.example.com/shop/web@sha256:333333333333…: 1 of 3 node(s) run the new pod",
                "pre-pulling registry.example.com/shop/web@sha256:333333333333…: 2 of 3 node(s) hold it",
                "pre-pulled registry.example.com/shop/web@sha256:333333333333… on all 3 eligible node(s)");
    }

    @Test
    void aNodeThatCannotPullEndsTheWaitAtTheTimeoutNamingItAndWhy() {
        client.pods().inNamespace(NS).resource(prePullPod("node-a", List.of(V3, V2), true, null)).create();
        client.pods().inNamespace(NS).resource(prePullPod("node-c", List.of(V3, V2), false, "ImagePullBackOff"))
                .create();
        var clock = new SimulatedClock(Instant.EPOCH);
        var prePull = new PrePull(client, clock, d -> {
            clock.advance(d);
            status(client, 2, 2, 1);
        }, Duration.ofSeconds(5));

        assertThatThrownBy(() -> prePull.warm(NS, APP, appPod(), V3, V2, "busybox:1.36.1", Duration.ofSeconds(30),
                line -> { }))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);
                    assertThat(e.getMessage()).contains("did not reach every node that may run web within PT30S")
                            .contains("1 of 2 node(s) hold it")
                            .contains("node node-c: new ImagePullBackOff (Back-off pulling image")
                            .doesNotContain("node-a")
                            .contains("nothing was rolled out")
                            .contains("kubectl -n shop describe daemonset deployguard-prepull-web");
                });
        assertThat(clock.instant()).isEqualTo(Instant.EPOCH.plusSeconds(30));
    }

    @Test
    void aStatusOfAnotherImageOrAnOlderGenerationDoesNotCount() {
        var prePull = new PrePull(client, new SimulatedClock(Instant.EPOCH), d -> { }, Duration.ofSeconds(1));
        prePull.apply(PrePullDaemonSet.build(NS, APP, appPod(), V2, V1, "busybox:1.36.1"));
        status(client, 3, 3, 3);
        assertThat(prePull.observe(NS, APP, V2).done()).isTrue();
        // a later deploy's template, not yet observed: the old counts are not about V3
        prePull.apply(PrePullDaemonSet.build(NS, APP, appPod(), V3, V2, "busybox:1.36.1"));
        DaemonSet ds = stored();
        // the mock, like the API server, bumps metadata.generation on a spec change
        assertThat(ds.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(ds.getStatus().getObservedGeneration()).isEqualTo(1L);
        assertThat(prePull.observe(NS, APP, V3).done()).isFalse();
        assertThat(prePull.observe(NS, APP, V2).message()).contains("holds " + V3 + ", not " + V2);
        assertThat(prePull.observe(NS, "other", V2).message()).contains("does not exist");
    }

    @Test
    void noEligibleNodeIsDoneAndSaysSo() {
        var prePull = new PrePull(client, new SimulatedClock(Instant.EPOCH), d -> status(client, 0, 0, 0),
                Duration.ofSeconds(1));
        PrePullStatus s = prePull.warm(NS, APP, appPod(), V2, V1, "busybox:1.36.1", Duration.ofMinutes(1),
                line -> { });
        assertThat(s.done()).isTrue();
        assertThat(s.message()).contains("no node may run the app");
        assertThat(Map.of("desired", s.desired())).containsEntry("desired", 0);
    }
}
