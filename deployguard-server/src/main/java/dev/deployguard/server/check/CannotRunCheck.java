package dev.deployguard.server.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;

/**
 * Stands in for a check that cannot even be built — the environment variable holding its database password is not
 * set, the cluster's kubeconfig cannot be read, the Deployment gives nothing to judge by — and reports why, so the
 * checklist shows the gap instead of leaving the check out silently.
 */
final class CannotRunCheck implements Check {
    private final CheckResult result;

    CannotRunCheck(CheckResult result) {
        this.result = result;
    }

    @Override
    public String name() {
        return result.name();
    }

    @Override
    public CheckResult run(CheckContext context) {
        return result;
    }
}
