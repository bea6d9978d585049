package dev.deployguard.store;

import dev.deployguard.event.Event;
import java.time.Instant;
import java.util.List;

/** The store's role for the append-only event log that timelines, audits and reports are read from. */
public interface EventStore {

    /** Appends an event and returns it with its id; ids grow in the order events were appended. */
    Event append(Event event);

    /** Events of an app (or all apps when {@code app} is null) after {@code afterId} and at or after {@code since}. */
    List<Event> events(String app, long afterId, Instant since, int limit);

    /**
     * As {@link #events(String, long, Instant, int)}, only events whose kind is {@code type} or starts with
     * {@code type + "."} ({@code audit}, {@code rollback}); all kinds when {@code type} is null. Stores with an
     * index override this; the default pages through {@link #events(String, long, Instant, int)}.
     */
    default List<Event> events(String app, String type, long afterId, Instant since, int limit) {
        if (type == null) {
            return events(app, afterId, since, limit);
        }
        List<Event> out = new java.util.ArrayList<>();
        long after = afterId;
        while (out.size() < limit) {
            List<Event> page = events(app, after, since, 1000);
            for (Event e : page) {
                if (e.kind().equals(type) || e.kind().startsWith(type + ".")) {
                    out.add(e);
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
            if (page.size() < 1000) {
                break;
            }
            after = page.get(page.size() - 1).id();
        }
        return out;
    }
}
