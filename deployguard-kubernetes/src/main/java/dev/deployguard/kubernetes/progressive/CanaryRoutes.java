package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.traffic.CanaryRoute;
import dev.deployguard.kubernetes.traffic.GatewayCanaryRoute;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The canary of an app as its {@code platform.kubernetes} section describes it: workload and traffic router. */
public final class CanaryRoutes {
    private CanaryRoutes() {
    }

    /** The app's Deployment and Service; the Service is required for progressive delivery. */
    public static AppWorkload workload(String app, KubernetesSpec spec) {
        if (spec.service() == null) {
            throw DeployGuardException.badInput("app " + app + ": platform.kubernetes.service is required for canary"
                    + " and blue/green: name the Service that selects the app's pods");
        }
        return new AppWorkload(spec.namespace(), spec.deploymentName(app), spec.service());
    }

    /** The router named in {@code platform.kubernetes.traffic}. */
    public static CanaryRoute route(KubernetesClient client, String app, KubernetesSpec spec) {
        KubernetesSpec.Traffic t = spec.traffic();
        if (t == null || (t.ingressNginx() == null) == (t.gatewayApi() == null)) {
            throw DeployGuardException.badInput("app " + app + ": a canary on Kubernetes needs"
                    + " platform.kubernetes.traffic with exactly one of ingressNginx: {ingress: NAME} or"
                    + " gatewayApi: {httpRoute: NAME}");
        }
        AppWorkload w = workload(app, spec);
        return t.ingressNginx() != null
                ? new NginxCanaryRoute(client, w.namespace(), t.ingressNginx().ingress(), w.service())
                : new GatewayCanaryRoute(client, w.namespace(), t.gatewayApi().httpRoute(), w.service());
    }
}
