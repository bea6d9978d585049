package dev.deployguard.spec;

import dev.deployguard.rollout.Strategy;

/**
 * One deployable unit: how it runs and how a new release of it reaches users. Exactly one platform is set:
 * {@code local} (supervised processes behind DeployGuard's router) or {@code kubernetes}. The other sections are
 * optional (null when absent), except {@code gitops}, which is {@link GitOpsSpec#DEFAULT} when absent.
 */
public record AppSpec(String name, LocalPlatformSpec local, Strategy strategy, ImageSpec image, ChecksSpec checks,
                      KubernetesSpec kubernetes, NotificationsSpec notifications, DrillSpec drill,
                      DatabaseSpec database, GitOpsSpec gitops) {
    public AppSpec {
        gitops = gitops == null ? GitOpsSpec.DEFAULT : gitops;
    }

    /** An app with the default {@code gitops} section. */
    public AppSpec(String name, LocalPlatformSpec local, Strategy strategy, ImageSpec image, ChecksSpec checks,
                   KubernetesSpec kubernetes, NotificationsSpec notifications, DrillSpec drill,
                   DatabaseSpec database) {
        this(name, local, strategy, image, checks, kubernetes, notifications, drill, database, null);
    }

    /** An app without a {@code database} section. */
    public AppSpec(String name, LocalPlatformSpec local, Strategy strategy, ImageSpec image, ChecksSpec checks,
                   KubernetesSpec kubernetes, NotificationsSpec notifications, DrillSpec drill) {
        this(name, local, strategy, image, checks, kubernetes, notifications, drill, null);
    }

    public AppSpec(String name, LocalPlatformSpec local, Strategy strategy) {
        this(name, local, strategy, null, null, null, null, null);
    }

    public AppSpec(String name, LocalPlatformSpec local) {
        this(name, local, new Strategy.Replace());
    }

    /** True when the app runs on Kubernetes rather than on this host. */
    public boolean onKubernetes() {
        return kubernetes != null;
    }
}
