package dev.deployguard.incident;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Something went wrong with an app and people are on it: opened by an operator or by an automatic rollback, noted
 * while it lasts, closed with a resolution. The post-incident report is a view over it and the app's events.
 *
 * @param id assigned by the store; 0 before it is saved
 * @param severity e.g. SEV1..SEV4 (free text, upper case)
 * @param rolloutId the rollout whose automatic rollback opened it, or null
 * @param revision the revision concerned (the rolled-back canary), or null
 * @param closedAt null while open
 */
public record Incident(long id, String app, String title, String severity, Instant openedAt, String openedBy,
                       Long rolloutId, Integer revision, Instant closedAt, String closedBy, String resolution) {
    public Incident {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(openedAt, "openedAt");
        Objects.requireNonNull(openedBy, "openedBy");
    }

    public boolean isOpen() {
        return closedAt == null;
    }

    /** Open to close, or open to {@code now} while it lasts. */
    public Duration duration(Instant now) {
        return Duration.between(openedAt, closedAt != null ? closedAt : now);
    }

    /** A note someone wrote while the incident lasted. */
    public record Note(long incidentId, Instant at, String actor, String text) {
    }
}
