package dev.deployguard.kubernetes.gitops;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Flux HelmRelease ({@code helm.toolkit.fluxcd.io/v2}) as helm-controller reports it: the release snapshots in
 * {@code status.history} (newest first, as helm-controller writes them), failure counters and the
 * {@code Remediated} condition, and what its automation does. Field names from fluxcd/helm-controller
 * {@code api/v2/helmrelease_types.go} ({@code HelmReleaseStatus}, {@code Snapshot}).
 */
public final class FluxHelmRelease {
    private final OwnerObjects objects;

    public FluxHelmRelease(KubernetesClient client) {
        this.objects = new OwnerObjects(client);
    }

    /** One Helm release helm-controller made: its Helm revision ({@code version}), chart and status. */
    public record Snapshot(long version, String chartName, String chartVersion, String appVersion, String status,
                           String lastDeployed) {
    }

    /**
     * The remediation picture: how many installs/upgrades failed since the last success, whether helm-controller
     * remediated (rolled back or uninstalled) and what it said, and the remediation it is configured for.
     */
    public record Remediation(long failures, long installFailures, long upgradeFailures, boolean remediated,
                              String remediatedMessage, long upgradeRetries, String upgradeStrategy) {
        public String describe() {
            String config = upgradeRetries == 0 ? "no upgrade remediation" : "upgrade remediation: " + upgradeRetries
                    + (upgradeRetries < 0 ? " (unlimited)" : "") + " retries, then " + upgradeStrategy;
            return (remediated ? "remediated (" + remediatedMessage + "), " : "")
                    + (failures + installFailures + upgradeFailures == 0 ? "no failures" : "failures " + failures
                    + ", install failures " + installFailures + ", upgrade failures " + upgradeFailures)
                    + "; " + config;
        }
    }

    /** The state of one HelmRelease. */
    public record State(List<Snapshot> history, Remediation remediation, boolean suspended, String driftDetection,
                        String lastAttemptedRevision) {
    }

    public State state(String namespace, String name) {
        return state(objects.require(Controller.FLUX_HELM_RELEASE, namespace, name));
    }

    static State state(GenericKubernetesResource hr) {
        List<Snapshot> history = new ArrayList<>();
        for (Map<String, Object> s : OwnerObjects.list(hr, "status", "history")) {
            history.add(new Snapshot(s.get("version") instanceof Number n ? n.longValue() : 0, str(s.get("chartName")),
                    str(s.get("chartVersion")), str(s.get("appVersion")), str(s.get("status")),
                    str(s.get("lastDeployed"))));
        }
        boolean remediated = false;
        String remediatedMessage = null;
        for (Map<String, Object> c : OwnerObjects.list(hr, "status", "conditions")) {
            if ("Remediated".equals(c.get("type")) && "True".equals(c.get("status"))) {
                remediated = true;
                remediatedMessage = str(c.get("message"));
            }
        }
        long retries = OwnerObjects.number(hr, "spec", "upgrade", "remediation", "retries");
        String strategy = OwnerObjects.text(hr, "spec", "upgrade", "remediation", "strategy");
        Remediation remediation = new Remediation(OwnerObjects.number(hr, "status", "failures"),
                OwnerObjects.number(hr, "status", "installFailures"),
                OwnerObjects.number(hr, "status", "upgradeFailures"), remediated, remediatedMessage, retries,
                strategy == null ? "rollback" : strategy);
        String drift = OwnerObjects.text(hr, "spec", "driftDetection", "mode");
        return new State(history, remediation, OwnerObjects.flag(hr, "spec", "suspend"),
                drift == null ? "disabled" : drift, OwnerObjects.text(hr, "status", "lastAttemptedRevision"));
    }

    /**
     * Not suspended, helm-controller reconciles at {@code spec.interval} and upgrades a release whose latest revision
     * is not the one it made (so a Helm rollback beside it is undone); with drift detection {@code enabled} it also
     * corrects changed objects.
     */
    static Owner.Automation automation(GenericKubernetesResource hr) {
        State s = state(hr);
        String interval = OwnerObjects.text(hr, "spec", "interval");
        if (s.suspended()) {
            return new Owner.Automation(false, false, true, false, "suspended");
        }
        boolean drift = "enabled".equals(s.driftDetection());
        return new Owner.Automation(true, drift, false, true, "reconciled every " + (interval == null ? "?"
                : interval) + ", drift detection " + s.driftDetection() + ", " + s.remediation().describe());
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
