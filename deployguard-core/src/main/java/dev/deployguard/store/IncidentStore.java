package dev.deployguard.store;

import dev.deployguard.incident.Incident;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The store's role for incidents: opened, noted while they last, closed once with a resolution. */
public interface IncidentStore {

    /** Saves a new incident (id 0) and returns it with its id. */
    Incident openIncident(Incident draft);

    Optional<Incident> incident(long id);

    /** Incidents of an app (all apps when null), newest first. */
    List<Incident> incidents(String app, int limit);

    /** Adds a note; throws NOT_FOUND for an unknown incident. */
    Incident.Note addIncidentNote(Incident.Note note);

    /** An incident's notes, oldest first. */
    List<Incident.Note> incidentNotes(long id);

    /** Closes an open incident; throws NOT_FOUND when unknown, BAD_INPUT when already closed. */
    Incident closeIncident(long id, Instant at, String actor, String resolution);
}
