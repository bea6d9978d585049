package dev.deployguard.spec;

/** The app's {@code notifications} section: where rollout, verdict, rollback and incident messages go. Owned by issue 6. */
public record NotificationsSpec() {
}
