package dev.deployguard.spec;

/** The app's {@code drill} section: how a rollback drill probes the app. Owned by issue 6. */
public record DrillSpec() {
}
