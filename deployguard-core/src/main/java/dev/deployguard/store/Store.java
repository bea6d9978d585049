package dev.deployguard.store;

import dev.deployguard.event.Event;
import dev.deployguard.incident.Incident;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.traffic.RouteTable;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of the control plane: releases, events, locks, instances and routers. Every method is one
 * transaction; a failure leaves nothing half-written.
 */
public interface Store extends AutoCloseable {

    /** Appends a release with the next revision number for its app (the given revision is ignored). */
    Release createRelease(Release draft);

    Optional<Release> release(String app, int revision);

    /** All revisions of an app, oldest first. */
    List<Release> history(String app);

    /** Names of apps that have at least one release. */
    List<String> apps();

    void setStatus(String app, int revision, ReleaseStatus status);

    /**
     * Marks {@code revision} DEPLOYED and, in the same transaction, every other DEPLOYED revision of the app
     * SUPERSEDED; so there is never more than one serving release in history.
     */
    void markDeployed(String app, int revision);

    Event append(Event event);

    /** Events of an app (or all apps when {@code app} is null) after {@code afterId} and at or after {@code since}. */
    List<Event> events(String app, long afterId, Instant since, int limit);

    /**
     * Takes the app's operation lock or throws {@link AppBusyException} naming the holder, the operation and since
     * when. Locks of a holder that is gone are reclaimed by {@link #releaseLocksNotHeldBy}.
     */
    AppLock lock(String app, String operation, String holder, String actor, Instant now);

    void unlock(AppLock lock);

    /** Drops locks left behind by control planes that are no longer running (crash during an operation). */
    int releaseLocksNotHeldBy(String holder);

    Optional<AppLock> currentLock(String app);

    void saveInstance(Instance instance);

    void removeInstance(String app, int revision, int index);

    List<Instance> instances(String app);

    /** Moves instances to another revision (a rollback re-labels warm processes of the copied release). */
    void reassignInstances(String app, int fromRevision, int toRevision);

    void saveRouter(RouterRecord router);

    Optional<RouterRecord> router(String app);

    void removeRouter(String app);

    void saveRoutes(RouteTable routes);

    Optional<RouteTable> routes(String app);

    /** Inserts a rollout (id 0) or replaces its state; returns it with its id. */
    Rollout saveRollout(Rollout rollout, Instant now);

    /** The app's rollout that is not finished, if any. */
    Optional<Rollout> activeRollout(String app);

    /** All rollouts of an app, newest first. */
    List<Rollout> rollouts(String app, int limit);

    /** Saves a new incident (id 0) and returns it with its id. */
    Incident openIncident(Incident draft);

    Optional<Incident> incident(long id);

    /** Incidents of an app (all apps when null), newest first. */
    List<Incident> incidents(String app, int limit);

    /** Adds a note; throws NOT_FOUND for an unknown incident. */
    Incident.Note addIncidentNote(Incident.Note note);

    List<Incident.Note> incidentNotes(long id);

    /** Closes an open incident; throws NOT_FOUND when unknown, BAD_INPUT when already closed. */
    Incident closeIncident(long id, Instant at, String actor, String resolution);

    /**
     * Removes the app's releases, events, rollouts, routes, router, instances and lock in one transaction (incidents
     * stay); for {@code deployguard delete APP} once its processes are stopped.
     */
    AppRemoved removeApp(String app);

    @Override
    void close();

    /** What {@link #removeApp} removed: rows of releases, events and rollouts, and of the other tables together. */
    record AppRemoved(int releases, int events, int rollouts, int other) {
    }

    /** A held operation lock. */
    record AppLock(String app, String operation, String holder, String actor, Instant acquiredAt) {
    }

    /** The router process of an app, as recorded for re-adoption. */
    record RouterRecord(String app, long pid, Instant processStart, int adminPort, String listen, String logFile,
                        Instant startedAt) {
    }
}
