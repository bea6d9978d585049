package dev.deployguard.kubernetes.prepull;

import static dev.deployguard.kubernetes.prepull.PrePullObjects.appPod;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.node;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.ssd;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a pod may run, as the DaemonSet controller's predicates decide (kubernetes/kubernetes
 * pkg/controller/daemon/daemon_controller.go; toleration rules of k8s.io/api core/v1 toleration.go).
 */
class NodeEligibilityTest {
    @Test
    void selectorAffinityAndTaintsEachDecide() {
        var pod = appPod();
        assertThat(NodeEligibility.whyNot(node("a", ssd("zone-a"), null, List.of()), pod)).isEmpty();
        assertThat(NodeEligibility.whyNot(node("b", ssd("zone-b"), "dedicated=web:NoSchedule", List.of()), pod))
                .isEmpty();
        assertThat(NodeEligibility.whyNot(node("c", Map.of("disktype", "hdd", "topology.kubernetes.io/zone",
                "zone-a"), null, List.of()), pod)).contains("nodeSelector disktype=ssd does not match");
        assertThat(NodeEligibility.whyNot(node("d", ssd("zone-c"), null, List.of()), pod))
                .contains("required node affinity does not match");
        assertThat(NodeEligibility.whyNot(node("e", ssd("zone-a"), "gpu=true:NoExecute", List.of()), pod))
                .contains("taint gpu=true:NoExecute not tolerated");
        // PreferNoSchedule never excludes a node
        assertThat(NodeEligibility.whyNot(node("f", ssd("zone-a"), "gpu=true:PreferNoSchedule", List.of()), pod))
                .isEmpty();
    }

    @Test
    void operatorsAndMatchFields() {
        var pod = new PodSpecBuilder().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchExpression().withKey("cores").withOperator("Gt")
                .withValues("8").endMatchExpression().addNewMatchExpression().withKey("spot")
                .withOperator("DoesNotExist").endMatchExpression().endNodeSelectorTerm()
                .addNewNodeSelectorTerm().addNewMatchField().withKey("metadata.name").withOperator("In")
                .withValues("special").endMatchField().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().build();
        assertThat(NodeEligibility.eligible(node("big", Map.of("cores", "16"), null, List.of()), pod)).isTrue();
        assertThat(NodeEligibility.eligible(node("small", Map.of("cores", "4"), null, List.of()), pod)).isFalse();
        assertThat(NodeEligibility.eligible(node("spot", Map.of("cores", "16", "spot", "1"), null, List.of()), pod))
                .isFalse();
        // the second term (ORed) matches by name
        assertThat(NodeEligibility.eligible(node("special", Map.of(), null, List.of()), pod)).isTrue();
    }

    @Test
    void tolerationRules() {
        Taint t = new TaintBuilder().withKey("k").withValue("v").withEffect("NoSchedule").build();
        assertThat(NodeEligibility.tolerates(tol("k", "Equal", "v", "NoSchedule"), t)).isTrue();
        assertThat(NodeEligibility.tolerates(tol("k", null, "v", null), t)).isTrue(); // Equal by default, any effect
        assertThat(NodeEligibility.tolerates(tol("k", "Equal", "w", "NoSchedule"), t)).isFalse();
        assertThat(NodeEligibility.tolerates(tol("k", "Exists", null, "NoExecute"), t)).isFalse();
        assertThat(NodeEligibility.tolerates(tol(null, "Exists", null, null), t)).isTrue(); // tolerates everything
        assertThat(NodeEligibility.tolerates(tol(null, "Equal", "v", null), t)).isFalse();
    }

    private static Toleration tol(String key, String op, String value, String effect) {
        return new TolerationBuilder().withKey(key).withOperator(op).withValue(value).withEffect(effect).build();
    }
}
