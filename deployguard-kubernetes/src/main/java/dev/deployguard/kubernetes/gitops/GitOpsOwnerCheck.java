package dev.deployguard.kubernetes.gitops;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code gitops.owner} check: who owns the app's workload and whether its automation would undo a change
 * DeployGuard makes beside it. PASS when no GitOps controller owns it or the owner does not revert; WARN when it
 * does (a deploy or rollback beside it would be undone: the remedy says how to act with it), or when marks name an
 * owner that is not there.
 */
public final class GitOpsOwnerCheck implements Check {
    private final KubernetesClient client;
    private final String argocdNamespace;
    private final HasMetadata workload;

    public GitOpsOwnerCheck(KubernetesClient client, String argocdNamespace, HasMetadata workload) {
        this.client = client;
        this.argocdNamespace = argocdNamespace;
        this.workload = workload;
    }

    @Override
    public String name() {
        return CheckNames.GITOPS_OWNER;
    }

    @Override
    public CheckResult run(CheckContext context) {
        String what = workload.getKind() + " " + workload.getMetadata().getNamespace() + "/"
                + workload.getMetadata().getName();
        Optional<Owner> found = new OwnerDetection(client, argocdNamespace).detect(workload);
        if (found.isEmpty()) {
            return CheckResult.pass(name(), what + " is not owned by Argo CD or Flux");
        }
        Owner o = found.get();
        CheckResult r;
        if (o.named() && !o.exists()) {
            r = CheckResult.warn(name(), what + " is " + o.describe(), "remove the stale marks (" + o.evidence()
                    + ") or recreate the " + o.controller().kind());
        } else if (o.automation().revertsChanges()) {
            r = CheckResult.warn(name(), what + " is " + o.describe(), "a deploy or rollback beside it would be undone"
                    + " at its next sync: change git instead, or let a rollback pause it with gitops.autoSync: pause");
        } else if (!o.named()) {
            r = CheckResult.warn(name(), what + " is " + o.describe(), "label it with its owner, or make sure that"
                    + " controller no longer applies it");
        } else {
            r = CheckResult.pass(name(), what + " is " + o.describe());
        }
        return r.withData(Map.of("owner", o.toMap()));
    }
}
