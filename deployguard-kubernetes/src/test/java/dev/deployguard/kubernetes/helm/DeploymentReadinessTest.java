package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentReadinessTest {
    private static Deployment deployment(Long generation, Long observed, int replicas, Integer updated,
                                         Integer available) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("apps")
                .withGeneration(generation).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec()
                .withNewStatus().withObservedGeneration(observed).withUpdatedReplicas(updated)
                .withAvailableReplicas(available).endStatus().build();
    }

    @Test
    void readyOnlyWhenTheControllerSawTheSpecAndAllReplicasAreUpdatedAndAvailable() {
        assertThat(DeploymentReadiness.notReady(deployment(3L, 3L, 2, 2, 2))).isNull();
        assertThat(DeploymentReadiness.notReady(deployment(3L, 2L, 2, 2, 2)))
                .isEqualTo("the controller has not seen generation 3 yet");
        assertThat(DeploymentReadiness.notReady(deployment(3L, 3L, 2, 1, 2)))
                .isEqualTo("1 of 2 replicas updated, 2 available");
        assertThat(DeploymentReadiness.notReady(deployment(3L, 3L, 2, 2, null)))
                .isEqualTo("2 of 2 replicas updated, 0 available");
        assertThat(DeploymentReadiness.notReady(new DeploymentBuilder().withNewMetadata().withName("web")
                .endMetadata().build())).isEqualTo("no status yet, 0 of 1 replicas available");
    }

    @Test
    void waitingEndsWithWhatWasNotReady() {
        try (PlainMock mock = PlainMock.start()) {
            Deployment d = mock.client.apps().deployments().inNamespace("apps").resource(new DeploymentBuilder()
                    .withNewMetadata().withName("web").withNamespace("apps").endMetadata()
                    .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec()
                    .addNewContainer().withName("web").withImage("nginx:1.27").endContainer().endSpec()
                    .endTemplate().endSpec().build()).create();

            assertThatThrownBy(() -> new DeploymentReadiness(mock.client, Duration.ofMillis(10))
                    .await(List.of(d), Duration.ofMillis(100)))
                    .isInstanceOf(ReadinessWaiter.NotReady.class)
                    .hasMessage("timed out after 100 ms waiting for Deployment apps/web (no status yet, 0 of 2 "
                            + "replicas available)");
        }
    }
}
