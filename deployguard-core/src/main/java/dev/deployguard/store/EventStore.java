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
}
