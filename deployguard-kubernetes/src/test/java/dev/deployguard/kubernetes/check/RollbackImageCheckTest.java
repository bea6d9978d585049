package dev.deployguard.kubernetes.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.kubernetes.prepull.PrePullDaemonSet;
import io.fabric8.kubernetes.api.model.ContainerImageBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * "rollback target present on N/M nodes" on fabric8's mock (CRUD): M counts only nodes the app may run on; a node
 * holds the image when its kubelet lists it (by digest, under any repository name, or by normalized tag) or when a
 * Ready pre-pull pod there runs it.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackImageCheckTest {
    static final CheckContext CONTEXT = new CheckContext(null, "v3", Duration.ofSeconds(30), Clock.systemUTC(), null);
    static final String HEX = "2".repeat(64);
    static final String ROLLBACK = "registry.example.com/shop/web@sha256:" + HEX;
    KubernetesMockServer server;
    KubernetesClient client;

    static PodSpec appPod() {
        return new PodSpecBuilder().withNodeSelector(Map.of("pool", "web"))
                .addNewContainer().withName("web").withImage(ROLLBACK).endContainer().build();
    }

    static Node node(String name, String pool, List<String> images) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).withLabels(Map.of("pool", pool))
                .endMetadata().withNewStatus().endStatus();
        if (!images.isEmpty()) {
            b.editStatus().withImages(new ContainerImageBuilder().withNames(images).withSizeBytes(1L).build())
                    .endStatus();
        }
        return b.build();
    }

    static Pod prePullPod(String node, String image, boolean ready) {
        return new PodBuilder().withNewMetadata().withName("deployguard-prepull-web-" + node).withNamespace("shop")
                .withLabels(Map.of(PrePullDaemonSet.LABEL, "web")).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("rollback").withImage(image)
                .endContainer().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .endCondition().endStatus().build();
    }

    @Test
    void countsTheEligibleNodesThatHoldTheRollbackImage() {
        // a mirror's name for the same digest counts: the digest is the image
        client.nodes().resource(node("node-a", "web", List.of("mirror.local:5000/shop/web@sha256:" + HEX))).create();
        client.nodes().resource(node("node-b", "web", List.of())).create();
        client.nodes().resource(node("node-c", "web", List.of("registry.example.com/shop/web@sha256:"
                + "9".repeat(64)))).create();
        client.nodes().resource(node("node-x", "batch", List.of())).create(); // the app may not run here
        client.pods().inNamespace("shop").resource(prePullPod("node-b", ROLLBACK, true)).create();
        client.pods().inNamespace("shop").resource(prePullPod("node-c", ROLLBACK, false)).create();

        CheckResult r = new RollbackImageCheck(client, "shop", "web", appPod(), ROLLBACK).run(CONTEXT);

        assertThat(r.name()).isEqualTo("cluster.rollback-image");
        assertThat(r.status()).isEqualTo(CheckStatus.WARN);
        assertThat(r.evidence()).isEqualTo("rollback target " + ROLLBACK + " present on 2/3 node(s); missing on"
                + " node-c");
        assertThat(r.remedy()).contains("platform.kubernetes.prePull");
        assertThat(r.data()).containsEntry("eligibleNodes", 3).containsEntry("nodesWithImage", 2)
                .containsEntry("nodesIneligible", 1).containsEntry("missing", List.of("node-c"));

        client.pods().inNamespace("shop").resource(prePullPod("node-c", ROLLBACK, true)).update();
        CheckResult all = new RollbackImageCheck(client, "shop", "web", appPod(), ROLLBACK).run(CONTEXT);
        assertThat(all.status()).isEqualTo(CheckStatus.PASS);
        assertThat(all.evidence()).isEqualTo("rollback target " + ROLLBACK + " present on 3/3 node(s)");
    }

    @Test
    void aTagIsMatchedInTheRuntimesNormalizedForm() {
        client.nodes().resource(node("node-a", "web", List.of("docker.io/library/nginx:1.27"))).create();
        client.nodes().resource(node("node-b", "web", List.of("docker.io/library/nginx:1.26"))).create();

        CheckResult r = new RollbackImageCheck(client, "shop", "web", appPod(), "nginx:1.27").run(CONTEXT);

        assertThat(r.evidence()).isEqualTo("rollback target nginx:1.27 present on 1/2 node(s); missing on node-b");
    }

    @Test
    void noEligibleNodeIsAWarningThatSaysWhy() {
        client.nodes().resource(node("node-x", "batch", List.of())).create();

        CheckResult r = new RollbackImageCheck(client, "shop", "web", appPod(), ROLLBACK).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.WARN);
        assertThat(r.evidence()).startsWith("no node may run the pods of web (of 1 node(s)");
    }
}
