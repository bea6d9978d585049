package dev.deployguard.kubernetes.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.function.Predicate;

/**
 * Test support: fabric8's mock API server in CRUD mode with expectations (for injected 403/409 answers), on
 * 127.0.0.1, with no wrapper — what DeployGuard's own client must cope with — and a stand-in for the Deployment
 * controller that reports Deployments available unless their image is one the test calls broken.
 */
final class PlainMock implements AutoCloseable {
    final KubernetesMockServer server;
    final KubernetesClient client;

    private PlainMock(KubernetesMockServer server) {
        this.server = server;
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getPort()).withNamespace("default")
                .withRequestRetryBackoffLimit(0).build()).build();
    }

    static PlainMock start() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PlainMock(server);
    }

    /**
     * A readiness waiter that first plays the Deployment controller (status: all replicas updated and available,
     * except for Deployments whose first image matches {@code broken}), then runs the real readiness rule.
     */
    ReadinessWaiter controllerThenReadiness(Predicate<String> broken) {
        ReadinessWaiter real = new DeploymentReadiness(client, Duration.ofMillis(20));
        return (objects, timeout) -> {
            for (HasMetadata o : objects) {
                if (o instanceof Deployment d) {
                    Deployment live = client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                            .withName(d.getMetadata().getName()).get();
                    String image = live.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
                    int n = live.getSpec().getReplicas();
                    live.setStatus(new DeploymentStatusBuilder().withObservedGeneration(
                                    live.getMetadata().getGeneration()).withReplicas(n).withUpdatedReplicas(n)
                            .withAvailableReplicas(broken.test(image) ? 0 : n).build());
                    client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(live)
                            .updateStatus();
                }
            }
            real.await(objects, timeout);
        };
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
