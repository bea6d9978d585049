package dev.deployguard.kubernetes.backup;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;

/**
 * One kind of object, named as Velero names its directory: {@code <plural>[.<group>]}. Listed with its plural
 * given, so no discovery call is needed (fabric8's mock server has none).
 */
record ResourceType(String group, String version, String kind, String plural, boolean namespaced) {

    /** The namespaced kinds of the core and built-in groups a namespace backup lists. */
    static final List<ResourceType> BUILT_IN = List.of(
            core("ServiceAccount", "serviceaccounts"), core("ConfigMap", "configmaps"), core("Secret", "secrets"),
            core("LimitRange", "limitranges"), core("ResourceQuota", "resourcequotas"),
            core("PersistentVolumeClaim", "persistentvolumeclaims"), core("Service", "services"),
            core("Endpoints", "endpoints"), core("Pod", "pods"), core("Event", "events"),
            ns("apps", "v1", "Deployment", "deployments"), ns("apps", "v1", "StatefulSet", "statefulsets"),
            ns("apps", "v1", "DaemonSet", "daemonsets"), ns("apps", "v1", "ReplicaSet", "replicasets"),
            ns("batch", "v1", "Job", "jobs"), ns("batch", "v1", "CronJob", "cronjobs"),
            ns("rbac.authorization.k8s.io", "v1", "Role", "roles"),
            ns("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
            ns("networking.k8s.io", "v1", "Ingress", "ingresses"),
            ns("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies"),
            ns("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets"),
            ns("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
            ns("coordination.k8s.io", "v1", "Lease", "leases"));

    static final ResourceType NAMESPACE = new ResourceType("", "v1", "Namespace", "namespaces", false);
    static final ResourceType CRD = new ResourceType("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
            "customresourcedefinitions", false);
    static final ResourceType VALIDATING_WEBHOOK = new ResourceType("admissionregistration.k8s.io", "v1",
            "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false);
    static final ResourceType MUTATING_WEBHOOK = new ResourceType("admissionregistration.k8s.io", "v1",
            "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false);

    private static ResourceType core(String kind, String plural) {
        return new ResourceType("", "v1", kind, plural, true);
    }

    private static ResourceType ns(String group, String version, String kind, String plural) {
        return new ResourceType(group, version, kind, plural, true);
    }

    /** Velero's directory name under {@code resources/}. */
    String dir() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    ResourceDefinitionContext context() {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(namespaced).build();
    }

    /** The type of a backed-up object, from its directory and its own apiVersion and kind. */
    static ResourceType of(String dir, String apiVersion, String kind, boolean namespaced) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        int dot = dir.indexOf('.');
        String plural = dot < 0 ? dir : dir.substring(0, dot);
        return new ResourceType(group, version, kind, plural, namespaced);
    }
}
