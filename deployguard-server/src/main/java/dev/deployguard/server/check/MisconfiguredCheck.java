package dev.deployguard.server.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;

/**
 * Stands in for a check that cannot even be built (e.g. the environment variable holding its database password is
 * not set): it reports "cannot tell" with what is missing, so the checklist shows the gap instead of leaving the
 * check out silently.
 */
final class MisconfiguredCheck implements Check {
    private final String name;
    private final String evidence;
    private final String remedy;

    MisconfiguredCheck(String name, String evidence, String remedy) {
        this.name = name;
        this.evidence = evidence;
        this.remedy = remedy;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult run(CheckContext context) {
        return CheckResult.error(name, evidence, remedy);
    }
}
