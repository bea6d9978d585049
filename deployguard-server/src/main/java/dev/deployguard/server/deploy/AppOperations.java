package dev.deployguard.server.deploy;

import java.io.IOException;
import java.util.Map;

/**
 * What the API does with one app on its platform: read its state and history, deploy, roll back, show logs. One
 * implementation per platform ({@code LocalApps} for processes behind a router, {@code KubernetesApps} for
 * Deployments and Helm releases), chosen once per request by {@code ControlPlane.apps(app)}, so the API holds no
 * platform branch.
 */
public interface AppOperations {
    /** {@code status}: the serving release, the platform's live view, the lock and the latest rollout. */
    Map<String, Object> status(String app);

    /** {@code history}: {@code app} and {@code releases}, oldest first, plus whatever the platform adds. */
    Map<String, Object> historyAnswer(String app);

    DeployResult deploy(Deployer.DeployRequest req);

    DeployResult rollback(String app, Integer toRevision, String reason, String actor, boolean forceSchema);

    /** What the app's traffic looks like now, per track (the router's windows for local apps). */
    Object trafficMetrics(String app);

    /** The last {@code lines} of the app's logs ({@code revision} null: the newest revision's instances). */
    String logs(String app, Integer revision, int lines) throws IOException;

    /**
     * {@code gitops resume}: turns the app's GitOps owner's automation back on after a rollback paused it. Only
     * Kubernetes apps have such an owner; the others refuse.
     */
    default Map<String, Object> resumeGitOps(String app, boolean force, String actor) {
        throw dev.deployguard.error.DeployGuardException.badInput("app '" + app + "' is not on Kubernetes; only"
                + " Kubernetes apps have a GitOps owner (Argo CD, Flux) to resume");
    }
}
