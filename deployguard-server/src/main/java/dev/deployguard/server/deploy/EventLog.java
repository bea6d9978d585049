package dev.deployguard.server.deploy;

import dev.deployguard.event.Event;
import dev.deployguard.store.EventStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Appends events to the store and tells listeners (progress displays) as they happen. */
public final class EventLog {
    private final EventStore store;
    private final Clock clock;
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();

    public EventLog(EventStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public void addListener(Consumer<Event> listener) {
        listeners.add(listener);
    }

    public Event record(String app, Integer revision, String actor, String kind, String message) {
        return record(app, revision, actor, kind, message, Map.of());
    }

    public Event record(String app, Integer revision, String actor, String kind, String message,
                        Map<String, Object> data) {
        Event e = store.append(Event.of(clock.instant(), app, revision, actor, kind, message, data));
        for (Consumer<Event> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ignored) {
                // A broken display must never break a deploy.
            }
        }
        return e;
    }
}
