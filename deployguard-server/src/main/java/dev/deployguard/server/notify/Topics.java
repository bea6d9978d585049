package dev.deployguard.server.notify;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import java.util.Optional;

/** Which events people are told about, and under which topic of {@code notifications.on}. */
final class Topics {
    private Topics() {
    }

    static Optional<String> of(Event e) {
        return Optional.ofNullable(switch (e.kind()) {
            case EventKinds.ROLLOUT_STARTED -> "rollout";
            case EventKinds.ANALYSIS_VERDICT -> "verdict";
            case EventKinds.ROLLBACK_STARTED, EventKinds.ROLLBACK_AUTOMATIC, EventKinds.ROLLBACK_SUCCEEDED,
                 EventKinds.ROLLBACK_FAILED, EventKinds.GITOPS_FIGHT, EventKinds.GITOPS_GIT_PENDING,
                 EventKinds.GITOPS_GIT_RESTORED, EventKinds.GITOPS_GIT_FAILED, EventKinds.GITOPS_RESUMED ->
                    "rollback";
            case EventKinds.INCIDENT_OPENED, EventKinds.INCIDENT_CLOSED -> "incident";
            case EventKinds.BACKUP_CREATED, EventKinds.BACKUP_FAILED, EventKinds.BACKUP_VERIFIED,
                 EventKinds.BACKUP_RESTORED -> "backup";
            default -> null;
        });
    }
}
