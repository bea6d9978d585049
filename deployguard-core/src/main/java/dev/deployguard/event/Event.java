package dev.deployguard.event;

import java.time.Instant;
import java.util.Map;

/**
 * An append-only record of an action, verdict or operator command. Timelines, audits and reports are views over
 * events. {@code data} holds structured evidence; never put secrets in it.
 *
 * @param id assigned by the store; 0 before it is appended
 * @param revision the revision concerned, or null
 */
public record Event(long id, Instant at, String app, Integer revision, String actor, String kind, String message,
                    Map<String, Object> data) {

    public Event {
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    public static Event of(Instant at, String app, Integer revision, String actor, String kind, String message) {
        return new Event(0, at, app, revision, actor, kind, message, Map.of());
    }

    public static Event of(Instant at, String app, Integer revision, String actor, String kind, String message,
                           Map<String, Object> data) {
        return new Event(0, at, app, revision, actor, kind, message, data);
    }
}
