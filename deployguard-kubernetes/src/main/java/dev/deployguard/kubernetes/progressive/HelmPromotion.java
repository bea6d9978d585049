package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.HelmRollback;
import dev.deployguard.kubernetes.helm.HelmStatus;
import dev.deployguard.kubernetes.helm.HelmUpgrade;
import dev.deployguard.kubernetes.helm.ReadinessWaiter;
import dev.deployguard.rollout.Rollout;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Promotion of a Helm release's canary: the Helm upgrade to the canary's version, run as a plain {@code deploy} runs
 * it ({@link HelmUpgrade#asHelmWould}: by Helm's own library when the chart has hooks, {@code lookup},
 * {@code crds/} or asks whether it is an upgrade; a new revision {@code helm history} shows, described by the
 * change-cause as {@code helm upgrade --description} describes it), with the values recorded on
 * the canary Deployment ({@link HelmChartRelease#VERSION_VALUES}) so the release runs exactly what was canaried,
 * even after a control-plane restart. The upgrade does not wait (helm without {@code --wait}): the rollout's Finish
 * waits for the release's Deployment, with the traffic split still in place. Undo is a Helm rollback to the
 * rollout's stable revision (its {@code pre-/post-rollback} hooks run, as {@link HelmRollback} runs them). Both
 * keep DeployGuard's track labels ({@link HelmChartRelease#KEEP_DEPLOYGUARD_LABELS}).
 */
public final class HelmPromotion implements CanaryActions.Promotion {
    private final HelmReleaseStorage storage;
    private final ChartRenderer renderer;
    private final HelmChartRelease release;
    private final KubernetesCanary canary;
    private final Duration timeout;
    private final Supplier<String> kubeconfig;

    /**
     * @param kubeconfig the kubeconfig text for Helm's own library, asked for only when the chart needs the cluster
     *                   ({@link HelmUpgrade#asHelmWould}); it holds credentials: kept in memory, never logged
     */
    public HelmPromotion(HelmReleaseStorage storage, ChartRenderer renderer, HelmChartRelease release,
                         KubernetesCanary canary, Duration timeout, Supplier<String> kubeconfig) {
        this.kubeconfig = Objects.requireNonNull(kubeconfig, "kubeconfig");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.release = Objects.requireNonNull(release, "release");
        this.canary = Objects.requireNonNull(canary, "canary");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public void promote(Rollout rollout, String changeCause) {
        if (promoted(rollout)) {
            return; // applied again after a restart: the upgrade is written already
        }
        Deployment c = canary.canary();
        String values = c == null || c.getMetadata().getAnnotations() == null ? null
                : c.getMetadata().getAnnotations().get(HelmChartRelease.VERSION_VALUES);
        if (values == null) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot promote the canary of Helm release "
                    + storage.namespace() + "/" + release.release() + ": Deployment " + canary.canaryDeployment()
                    + (c == null ? " is gone" : " lost its " + HelmChartRelease.VERSION_VALUES + " annotation")
                    + "; abort the rollout and deploy again");
        }
        // helm upgrade --description: the change-cause is the revision's description.
        release.withVersion(values, files -> new HelmUpgrade(storage, renderer, ReadinessWaiter.none(), timeout)
                .keeping(HelmChartRelease.KEEP_DEPLOYGUARD_LABELS).asHelmWould(release.chart(), kubeconfig)
                .describedAs(changeCause).upgrade(release.release(), release.chart(), files, false));
    }

    /** True when the deployed revision is this rollout's (or a later) upgrade, not a rollback. */
    @Override
    public boolean promoted(Rollout rollout) {
        return storage.history(release.release()).stream().filter(r -> r.status() == HelmStatus.DEPLOYED)
                .reduce((a, b) -> b)
                .map(r -> r.version() >= rollout.canaryRevision() && !r.description().startsWith("Rollback to "))
                .orElse(false);
    }

    @Override
    public void undo(Rollout rollout, String reason) {
        new HelmRollback(storage, ReadinessWaiter.none(), timeout)
                .keeping(HelmChartRelease.KEEP_DEPLOYGUARD_LABELS)
                .rollback(release.release(), rollout.stableRevision());
    }
}
