package dev.deployguard.spec;

/** The app's {@code checks} section: the pre-deployment checklist's configuration (timeouts, which checks, their settings). Owned by the checklist work (issue 4). */
public record ChecksSpec() {
}
