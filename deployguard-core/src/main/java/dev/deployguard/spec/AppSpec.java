package dev.deployguard.spec;

/** One deployable unit and how it runs. */
public record AppSpec(String name, LocalPlatformSpec local) {
}
