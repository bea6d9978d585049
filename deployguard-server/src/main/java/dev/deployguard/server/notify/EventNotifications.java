package dev.deployguard.server.notify;

import dev.deployguard.event.Event;
import dev.deployguard.notify.Notification;
import dev.deployguard.notify.Notifier;
import java.util.function.Consumer;

/**
 * An event-log listener that turns rollout, verdict, rollback and incident events into notifications, and the
 * control plane's app-less backup events into notifications for every app's targets that asked for {@code backup}.
 */
public final class EventNotifications implements Consumer<Event> {
    private final Notifier notifier;

    public EventNotifications(Notifier notifier) {
        this.notifier = notifier;
    }

    @Override
    public void accept(Event e) {
        if (e.app() == null && !e.kind().startsWith("backup.")) {
            return;
        }
        Topics.of(e).ifPresent(topic -> notifier.notify(new Notification(e.app(), topic, e.kind(), e.at(),
                e.actor(), e.revision(), e.kind() + ": " + e.message().lines().findFirst().orElse(""), e.data())));
    }
}
