package dev.deployguard.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The app's {@code platform.kubernetes} section: where the app runs on Kubernetes and what DeployGuard manages there
 * (a Deployment, or a Helm release), plus the Service and traffic router used by progressive delivery. Validated
 * once by {@link KubernetesSpecParser}.
 *
 * @param namespace      the namespace of everything the app owns (required)
 * @param context        the kubeconfig context; null means the kubeconfig's current context
 * @param kubeconfig     the kubeconfig file; null means {@code KUBECONFIG} or {@code ~/.kube/config}
 * @param deployment     the Deployment to manage; null means the app's name (see {@link #deploymentName})
 * @param container      the container that gets the image; null means the first one
 * @param helm           manage this Helm release instead of a Deployment; null when not configured
 * @param service        the stable Service (blue/green selector switch, canary Services); null when none
 * @param traffic        the canary traffic router; null when canary weights are not routed by Kubernetes
 * @param rolloutTimeout how long a rollout may take before it counts as failed
 * @param prePull        the pre-pull DaemonSet that warms the new image and keeps the rollback image on every node
 */
public record KubernetesSpec(String namespace, String context, Path kubeconfig, String deployment, String container,
                             Helm helm, String service, Traffic traffic, Duration rolloutTimeout, PrePull prePull) {
    public KubernetesSpec {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(rolloutTimeout, "rolloutTimeout");
        Objects.requireNonNull(prePull, "prePull");
    }

    /** Without a pre-pull DaemonSet ({@link PrePull#OFF}). */
    public KubernetesSpec(String namespace, String context, Path kubeconfig, String deployment, String container,
                          Helm helm, String service, Traffic traffic, Duration rolloutTimeout) {
        this(namespace, context, kubeconfig, deployment, container, helm, service, traffic, rolloutTimeout,
                PrePull.OFF);
    }

    /**
     * {@code prePull}: a DaemonSet {@code deployguard-prepull-APP} whose pods hold the new image and the rollback
     * image on every node that may run the app; a deploy waits until it is ready on all of them before traffic
     * moves (as the playbook's image-cache warmer, but for exactly this app's digests and nodes).
     *
     * @param enabled     whether deploys run it
     * @param timeout     how long a deploy waits for the images on every eligible node before it is refused
     * @param helperImage a small image with a static {@code /bin/busybox} (copied into the pods so that images
     *                    without a shell can be held by a sleeping container)
     */
    public record PrePull(boolean enabled, Duration timeout, String helperImage) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
        public static final String DEFAULT_HELPER = "busybox:1.36.1";
        public static final PrePull OFF = new PrePull(false, DEFAULT_TIMEOUT, DEFAULT_HELPER);

        public PrePull {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(helperImage, "helperImage");
        }
    }

    /** The Deployment's name: {@code deployment}, or the app's name when not given. */
    public String deploymentName(String appName) {
        return deployment != null ? deployment : appName;
    }

    /**
     * A Helm release managed instead of a bare Deployment.
     *
     * @param release the release name; null means the app's name (see {@link #releaseName})
     * @param chart   a chart directory (resolved against the spec's directory), an archive, or a repo/OCI reference
     * @param values  values files, in order, resolved against the spec's directory
     * @param deployment the chart's Deployment a canary or blue/green slot is made from; null means the only
     *                   Deployment the chart renders
     */
    public record Helm(String release, String chart, List<Path> values, String deployment) {
        public Helm {
            Objects.requireNonNull(chart, "chart");
            values = List.copyOf(values);
        }

        public String releaseName(String appName) {
            return release != null ? release : appName;
        }
    }

    /**
     * The canary traffic router: exactly one of the two is set; {@code loadTargets} says where the built-in
     * synthetic load reaches each track's Service (null: the Services' cluster addresses when the control plane
     * runs in the cluster, else no load).
     */
    public record Traffic(IngressNginx ingressNginx, GatewayApi gatewayApi, LoadTargets loadTargets) {
        public Traffic(IngressNginx ingressNginx, GatewayApi gatewayApi) {
            this(ingressNginx, gatewayApi, null);
        }
    }

    /**
     * Where the built-in load of an analysis ({@code load:}) is sent on Kubernetes, one address per track: the
     * stable and the canary Service as the control plane can reach them (a NodePort, a LoadBalancer, a
     * {@code kubectl port-forward}). Plain http, no path (the load's {@code path} is added).
     */
    public record LoadTargets(java.net.URI stable, java.net.URI canary) {
        public LoadTargets {
            Objects.requireNonNull(stable, "stable");
            Objects.requireNonNull(canary, "canary");
        }
    }

    /** ingress-nginx canary annotations on a canary copy of {@code ingress}. */
    public record IngressNginx(String ingress) {
        public IngressNginx {
            Objects.requireNonNull(ingress, "ingress");
        }
    }

    /** Gateway API backend weights on {@code httpRoute}. */
    public record GatewayApi(String httpRoute) {
        public GatewayApi {
            Objects.requireNonNull(httpRoute, "httpRoute");
        }
    }
}
