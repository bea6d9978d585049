package dev.deployguard.kubernetes.deployment;

import java.util.Set;

/** Annotation keys: Kubernetes' own (shared with kubectl and the Deployment controller) and DeployGuard's record of who did what. */
public final class Annotations {
    /** Set by the Deployment controller on ReplicaSets and the Deployment: the revision number. */
    public static final String REVISION = "deployment.kubernetes.io/revision";
    /** Earlier revisions of a ReplicaSet that was rolled back to (comma-separated), kept by the controller. */
    public static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    /** Why a revision exists; shown by {@code kubectl rollout history}. */
    public static final String CHANGE_CAUSE = "kubernetes.io/change-cause";
    /** The ReplicaSet label that names its pod template; dropped when a template is copied back. */
    public static final String POD_TEMPLATE_HASH = "pod-template-hash";

    /** Who rolled the Deployment back (DeployGuard's actor). */
    public static final String ROLLED_BACK_BY = "deployguard.dev/rolled-back-by";
    /** The revision the Deployment was rolled back to. */
    public static final String ROLLED_BACK_TO = "deployguard.dev/rolled-back-to-revision";
    /** The revision that was serving when the rollback was asked for. */
    public static final String ROLLED_BACK_FROM = "deployguard.dev/rolled-back-from-revision";
    /** Why it was rolled back, as the operator or the analysis said. */
    public static final String ROLLBACK_REASON = "deployguard.dev/rollback-reason";
    /** Who deployed the current template through DeployGuard. */
    public static final String DEPLOYED_BY = "deployguard.dev/deployed-by";

    /** DeployGuard's per-operation annotations, cleared before each new operation records its own. */
    static final Set<String> OPERATION_RECORD = Set.of(ROLLED_BACK_BY, ROLLED_BACK_TO, ROLLED_BACK_FROM,
            ROLLBACK_REASON, DEPLOYED_BY);

    /** What kubectl keeps from the Deployment (not from the target ReplicaSet) on undo: the controller's own keys. */
    static final Set<String> KEPT_FROM_DEPLOYMENT = Set.of(REVISION, REVISION_HISTORY,
            "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/desired-replicas",
            "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to");

    private Annotations() {
    }
}
