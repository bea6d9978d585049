package dev.deployguard.spec;

import dev.deployguard.rollout.Strategy;

/** One deployable unit: how it runs and how a new release of it reaches users. */
public record AppSpec(String name, LocalPlatformSpec local, Strategy strategy) {
    public AppSpec(String name, LocalPlatformSpec local) {
        this(name, local, new Strategy.Replace());
    }
}
