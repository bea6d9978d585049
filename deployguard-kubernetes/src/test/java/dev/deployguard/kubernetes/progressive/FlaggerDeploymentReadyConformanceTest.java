package dev.deployguard.kubernetes.progressive;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flagger conformance: whether a canary Deployment serves during the analysis, checked on each iteration; a canary
 * not ready holds the iteration, and is rolled back once not ready for progressDeadlineSeconds
 * (KubernetesCanaryReadinessHoldTest in deployguard-server). Each row names the file of fluxcd/flagger at
 * {@link #COMMIT} it is derived from; Flagger's default canaryReadyThreshold (100%) applies. Departures: Flagger
 * fails at once on the Deployment's own ProgressDeadlineExceeded condition, DeployGuard waits for its own deadline;
 * the primary (stable) Deployment is not checked.
 */
class FlaggerDeploymentReadyConformanceTest {
    static final String REPOSITORY = "fluxcd/flagger";
    static final String COMMIT = "215c859619ec0dcda339b8ff2290039d158ad722";
    private static final String FILE = "pkg/canary/deployment_ready.go";

    /**
     * case | spec.replicas ('' = unset) | generation | status.observedGeneration | status.replicas |
     * status.updatedReplicas | status.availableReplicas | why not ready ('' = ready).
     */
    private static final List<String> ROWS = List.of(
            "isDeploymentReady: every replica updated and available | 2 | 3 | 3 | 2 | 2 | 2 | ",
            "the controller has not observed the latest generation | 2 | 4 | 3 | 2 | 2 | 2 | waiting for rollout to finish: observed deployment generation less than desired generation",
            "an observed generation ahead of the spec's is observed (Generation <= ObservedGeneration) | 1 | 3 | 4 | 1 | 1 | 1 | ",
            "fewer new replicas updated than wanted | 3 | 2 | 2 | 3 | 1 | 1 | waiting for rollout to finish: 1 out of 3 new replicas have been updated",
            "spec.replicas unset: the updated count is not compared with it | | 1 | 1 | 1 | 1 | 1 | ",
            "old replicas still running beside the updated ones | 2 | 2 | 2 | 3 | 2 | 2 | waiting for rollout to finish: 1 old replicas are pending termination",
            "updated but not available (pods that lost readiness) | 2 | 2 | 2 | 2 | 2 | 1 | waiting for rollout to finish: 1 of 2 (readyThreshold 100%) updated replicas are available",
            "none available (the canary's pods all failing their readiness probes) | 1 | 2 | 2 | 1 | 1 | 0 | waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available",
            "the updated count is checked before the available one | 2 | 2 | 2 | 2 | 0 | 0 | waiting for rollout to finish: 0 out of 2 new replicas have been updated",
            "scaled to zero is ready (nothing to wait for) | 0 | 2 | 2 | 0 | 0 | 0 | ");

    static Stream<String> rows() {
        return ROWS.stream();
    }

    private static Integer count(String s) {
        return s.isBlank() ? null : Integer.valueOf(s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theCanaryDeploymentIsJudgedAsFlaggerJudgesIt(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        Deployment d = new DeploymentBuilder().withNewMetadata().withName("web-canary").withNamespace("shop")
                .withGeneration(Long.valueOf(f[2])).endMetadata()
                .withNewSpec().withReplicas(count(f[1])).endSpec()
                .withNewStatus().withObservedGeneration(Long.valueOf(f[3])).withReplicas(count(f[4]))
                .withUpdatedReplicas(count(f[5])).withAvailableReplicas(count(f[6])).endStatus().build();

        String why = DeploymentReady.notReady(d);

        assertThat(why).as("%s@%s %s: %s", REPOSITORY, COMMIT, FILE, f[0]).isEqualTo(f[7].isBlank() ? null : f[7]);
    }

    @org.junit.jupiter.api.Test
    void aDeploymentWithoutStatusHasNotBeenObserved() {
        Deployment d = new DeploymentBuilder().withNewMetadata().withName("web-canary").withGeneration(1L)
                .endMetadata().withNewSpec().withReplicas(1).endSpec().build();

        assertThat(DeploymentReady.notReady(d)).as("%s@%s %s: no status: observedGeneration 0 < generation 1",
                REPOSITORY, COMMIT, FILE).isEqualTo("waiting for rollout to finish: observed deployment generation"
                + " less than desired generation");
    }
}
