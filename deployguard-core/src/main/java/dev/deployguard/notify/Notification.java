package dev.deployguard.notify;

import java.time.Instant;
import java.util.Map;

/**
 * A message for people about something that happened to an app: a rollout started, a verdict, a rollback, an
 * incident. Built from an event; carries no secrets.
 *
 * @param topic rollout, verdict, rollback or incident
 * @param kind the event kind it comes from
 * @param text one line a person reads in a chat channel
 * @param data the event's structured evidence
 */
public record Notification(String app, String topic, String kind, Instant at, String actor, Integer revision,
                           String text, Map<String, Object> data) {
    public Notification {
        data = data == null ? Map.of() : Map.copyOf(data);
    }
}
