package dev.deployguard.server.drill;

import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen;
import dev.deployguard.kubernetes.progressive.SlotsView;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a drill reads of a Kubernetes blue/green app beyond its serving Deployment: the Service users reach and which
 * pods it selects, and the slot users do not reach. A Deployment app serves from the slot its Service selects
 * ({@code <deployment>-blue|green}) once it was moved into slots; a Helm release serves from its own Deployment
 * between rollouts, its slot ({@code <deployment>-preview}) scaled to 0. So a rollback that left users on the wrong
 * slot, or an idle slot still running, shows as a field that differs from the baseline.
 */
final class DrillSlots {
    static final String SELECTOR = "service.selector";
    static final String ACTIVE = "slots.active";
    static final String IDLE_REPLICAS = "slots.idleReplicas";

    private final AppSpec app;

    DrillSlots(AppSpec app) {
        this.app = app;
    }

    /** Whether {@code app} deploys blue/green between slots behind its Service. */
    static boolean applies(AppSpec app) {
        return app.strategy() instanceof Strategy.BlueGreen && app.kubernetes() != null
                && app.kubernetes().service() != null;
    }

    private boolean helm() {
        return app.kubernetes().helm() != null;
    }

    /** A Deployment app's slots (not a Helm release's). */
    private KubernetesBlueGreen slots(KubernetesClient client) {
        return new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), app.kubernetes()));
    }

    /** Whether users already reach a slot (a Deployment app moved into blue/green); a Helm release always is. */
    boolean inSlots(KubernetesClient client) {
        return helm() || slots(client).observe(app.kubernetes().container()).active() != null;
    }

    /** The Deployment users reach: a Deployment app's active slot, else {@code own} (the app's or release's). */
    String serving(KubernetesClient client, String own) {
        if (helm()) {
            return own;
        }
        KubernetesBlueGreen bg = slots(client);
        SlotsView v = bg.observe(app.kubernetes().container());
        return v.active() == null ? own : bg.slotDeployment(v.active());
    }

    /** Adds the Service's selector, the active slot and the idle slot's replicas to {@code fields}. */
    void observe(KubernetesClient client, String own, Map<String, String> fields) {
        KubernetesSpec k = app.kubernetes();
        Service s = client.services().inNamespace(k.namespace()).withName(k.service()).get();
        fields.put(SELECTOR, s == null ? "(no Service " + k.service() + ")" : s.getSpec().getSelector() == null
                ? "(none)" : new TreeMap<>(s.getSpec().getSelector()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
        if (helm()) {
            fields.put(ACTIVE, "release");
            fields.put(IDLE_REPLICAS, replicas(client, own + "-preview"));
            return;
        }
        KubernetesBlueGreen bg = slots(client);
        SlotsView v = bg.observe(k.container());
        fields.put(ACTIVE, v.active() == null ? "(none)" : v.active().label());
        fields.put(IDLE_REPLICAS, v.active() == null ? "(no slots)"
                : replicas(client, bg.slotDeployment(v.active().other())));
    }

    private String replicas(KubernetesClient client, String deployment) {
        Deployment d = client.apps().deployments().inNamespace(app.kubernetes().namespace()).withName(deployment)
                .get();
        return d == null ? "(absent)" : String.valueOf(d.getSpec().getReplicas());
    }
}
