package dev.deployguard.server.deploy.local;

import dev.deployguard.rollout.Rollout;
import dev.deployguard.spec.AppSpec;

/** A local canary: the new release's instances get a growing share of the app router's traffic. */
public final class LocalCanaryTarget extends LocalTarget {
    LocalCanaryTarget(Parts parts, AppSpec app) {
        super(parts, app);
    }

    @Override
    public void begin(Rollout r, String actor) {
        setWeight(r, 0, actor);
    }

    @Override
    void afterSwitch(Rollout r) {
        // A canary has nothing besides the app's router.
    }
}
