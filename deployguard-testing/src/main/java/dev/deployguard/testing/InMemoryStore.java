// Over 400 lines: every Store role, as JdbcStore has.
package dev.deployguard.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.incident.Incident;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.store.AppBusyException;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link Store} in memory, for fast tests of the control plane. It keeps the JDBC store's rules (revision
 * numbering, one lock per app, one DEPLOYED release, the newest unfinished rollout is the active one, the same
 * errors) and hands back what the JDBC store would read back: timestamps to the microsecond, event data and
 * rollouts copied through JSON. The contract test of the store module runs against both. Each method holds the
 * store's monitor, as each JDBC method is one transaction.
 */
public final class InMemoryStore implements Store {
    private static final TypeReference<Map<String, Object>> OBJECT_MAP = new TypeReference<>() { };
    private static final TypeReference<List<Track>> TRACKS = new TypeReference<>() { };

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();
    private final Map<String, TreeMap<Integer, Release>> releases = new HashMap<>();
    private final List<Event> events = new ArrayList<>();
    private final Map<String, AppLock> locks = new HashMap<>();
    private final Map<String, TreeMap<String, Instance>> instances = new HashMap<>();
    private final Map<String, RouterRecord> routers = new HashMap<>();
    private final Map<String, RouteTable> routes = new HashMap<>();
    private final TreeMap<Long, Rollout> rollouts = new TreeMap<>();
    private final TreeMap<Long, Incident> incidents = new TreeMap<>();
    private final List<Incident.Note> notes = new ArrayList<>();
    private final TreeMap<String, StoredToken> tokens = new TreeMap<>();
    private long lastEventId;
    private long lastRolloutId;
    private long lastIncidentId;
    private boolean closed;

    // --- releases ---------------------------------------------------------------------------------------------

    @Override
    public synchronized Release createRelease(Release draft) {
        open();
        TreeMap<Integer, Release> history = releases.computeIfAbsent(draft.app(), a -> new TreeMap<>());
        int next = history.isEmpty() ? 1 : history.lastKey() + 1;
        Release r = new Release(draft.app(), next, draft.version(), draft.command(), draft.env(), draft.instances(),
                draft.configHash(), draft.changeCause(), draft.actor(), micros(draft.createdAt()), draft.status(),
                draft.sourceRevision(), draft.image(), draft.schema());
        history.put(next, r);
        return r;
    }

    @Override
    public synchronized Optional<Release> release(String app, int revision) {
        open();
        return Optional.ofNullable(releases.getOrDefault(app, new TreeMap<>()).get(revision));
    }

    @Override
    public synchronized List<Release> history(String app) {
        open();
        return List.copyOf(releases.getOrDefault(app, new TreeMap<>()).values());
    }

    @Override
    public synchronized List<String> apps() {
        open();
        return List.copyOf(new TreeSet<>(releases.keySet()));
    }

    @Override
    public synchronized void setStatus(String app, int revision, ReleaseStatus status) {
        open();
        Release r = require(app, revision);
        releases.get(app).put(revision, r.withStatus(status));
    }

    @Override
    public synchronized void markDeployed(String app, int revision) {
        open();
        Release target = require(app, revision);
        TreeMap<Integer, Release> history = releases.get(app);
        history.replaceAll((rev, r) -> rev != revision && r.status() == ReleaseStatus.DEPLOYED
                ? r.withStatus(ReleaseStatus.SUPERSEDED) : r);
        history.put(revision, target.withStatus(ReleaseStatus.DEPLOYED));
    }

    private final Map<String, dev.deployguard.release.ReleaseSchema> schemas = new java.util.HashMap<>();

    @Override
    public synchronized void recordSchema(String app, String version, dev.deployguard.release.ReleaseSchema schema) {
        open();
        schemas.put(app + "\n" + version, schema);
    }

    @Override
    public synchronized Optional<dev.deployguard.release.ReleaseSchema> recordedSchema(String app, String version) {
        open();
        return Optional.ofNullable(schemas.get(app + "\n" + version));
    }

    private Release require(String app, int revision) {
        Release r = releases.getOrDefault(app, new TreeMap<>()).get(revision);
        if (r == null) {
            throw DeployGuardException.notFound("app '" + app + "' has no revision " + revision);
        }
        return r;
    }

    // --- events -----------------------------------------------------------------------------------------------

    @Override
    public synchronized Event append(Event e) {
        open();
        Event stored = new Event(++lastEventId, micros(e.at()), e.app(), e.revision(), e.actor(), e.kind(),
                e.message(), copy(e.data(), OBJECT_MAP));
        events.add(stored);
        return stored;
    }

    @Override
    public synchronized List<Event> events(String app, long afterId, Instant since, int limit) {
        open();
        Instant from = since == null ? Instant.EPOCH : since;
        return events.stream()
                .filter(e -> e.id() > afterId && !e.at().isBefore(from) && (app == null || app.equals(e.app())))
                .limit(limit)
                .toList();
    }

    // --- locks ------------------------------------------------------------------------------------------------

    @Override
    public synchronized AppLock lock(String app, String operation, String holder, String actor, Instant now) {
        open();
        AppLock l = locks.get(app);
        if (l != null) {
            throw new AppBusyException("app '" + app + "' is busy: " + l.operation() + " by " + l.actor()
                    + " has held its lock since " + l.acquiredAt() + "; wait for it to finish and try again");
        }
        AppLock taken = new AppLock(app, operation, holder, actor, micros(now));
        locks.put(app, taken);
        // The caller gets the instant it passed, as from the JDBC store; the stored copy is what a reader sees.
        return new AppLock(app, operation, holder, actor, now);
    }

    @Override
    public synchronized void unlock(AppLock lock) {
        open();
        AppLock held = locks.get(lock.app());
        if (held != null && held.holder().equals(lock.holder()) && held.operation().equals(lock.operation())) {
            locks.remove(lock.app());
        }
    }

    @Override
    public synchronized int releaseLocksNotHeldBy(String holder) {
        open();
        int before = locks.size();
        locks.values().removeIf(l -> !l.holder().equals(holder));
        return before - locks.size();
    }

    @Override
    public synchronized Optional<AppLock> currentLock(String app) {
        open();
        return Optional.ofNullable(locks.get(app));
    }

    // --- instances, routers, routes ---------------------------------------------------------------------------

    @Override
    public synchronized void saveInstance(Instance i) {
        open();
        instances.computeIfAbsent(i.app(), a -> new TreeMap<>()).put(slot(i.revision(), i.index()), stored(i));
    }

    @Override
    public synchronized void removeInstance(String app, int revision, int index) {
        open();
        Optional.ofNullable(instances.get(app)).ifPresent(m -> m.remove(slot(revision, index)));
    }

    @Override
    public synchronized List<Instance> instances(String app) {
        open();
        return List.copyOf(instances.getOrDefault(app, new TreeMap<>()).values());
    }

    @Override
    public synchronized void reassignInstances(String app, int fromRevision, int toRevision) {
        open();
        TreeMap<String, Instance> slots = instances.get(app);
        if (slots == null || fromRevision == toRevision) {
            return;
        }
        List<Instance> moving = slots.values().stream().filter(i -> i.revision() == fromRevision).toList();
        for (Instance i : moving) {
            if (slots.containsKey(slot(toRevision, i.index()))) {
                // The JDBC store's primary key (app, revision, idx) refuses this and rolls the whole update back.
                throw new DeployGuardException(ExitCode.FAILURE, "state database error: instance " + i.index()
                        + " of revision " + toRevision + " of app '" + app + "' already exists");
            }
        }
        moving.forEach(i -> slots.remove(slot(i.revision(), i.index())));
        moving.forEach(i -> slots.put(slot(toRevision, i.index()), i.withRevision(toRevision)));
    }

    /** Sorts as the JDBC store's ORDER BY revision, idx (both non-negative). */
    private static String slot(int revision, int index) {
        return String.format("%010d/%010d", revision, index);
    }

    private static Instance stored(Instance i) {
        return new Instance(i.app(), i.revision(), i.index(), i.pid(), micros(i.processStart()), i.port(),
                i.logFile(), micros(i.startedAt()));
    }

    @Override
    public synchronized void saveRouter(RouterRecord r) {
        open();
        routers.put(r.app(), new RouterRecord(r.app(), r.pid(), micros(r.processStart()), r.adminPort(), r.listen(),
                r.logFile(), micros(r.startedAt())));
    }

    @Override
    public synchronized Optional<RouterRecord> router(String app) {
        open();
        return Optional.ofNullable(routers.get(app));
    }

    @Override
    public synchronized void removeRouter(String app) {
        open();
        routers.remove(app);
    }

    @Override
    public synchronized void saveRoutes(RouteTable table) {
        open();
        routes.put(table.app(), new RouteTable(table.app(), table.generation(), copy(table.tracks(), TRACKS)));
    }

    @Override
    public synchronized Optional<RouteTable> routes(String app) {
        open();
        return Optional.ofNullable(routes.get(app));
    }

    // --- rollouts ---------------------------------------------------------------------------------------------

    @Override
    public synchronized Rollout saveRollout(Rollout r, Instant now) {
        open();
        Rollout saved = r.id() == 0 ? r.withId(++lastRolloutId) : r;
        if (r.id() != 0 && !rollouts.containsKey(r.id())) {
            throw DeployGuardException.notFound("no rollout with id " + r.id());
        }
        rollouts.put(saved.id(), copy(saved, Rollout.class));
        return saved;
    }

    @Override
    public synchronized Optional<Rollout> activeRollout(String app) {
        open();
        return rollouts.descendingMap().values().stream()
                .filter(r -> r.app().equals(app) && !r.phase().isDone())
                .findFirst();
    }

    @Override
    public synchronized List<Rollout> rollouts(String app, int limit) {
        open();
        return rollouts.descendingMap().values().stream().filter(r -> r.app().equals(app)).limit(limit).toList();
    }

    // --- incidents --------------------------------------------------------------------------------------------

    @Override
    public synchronized Incident openIncident(Incident d) {
        open();
        Incident i = new Incident(++lastIncidentId, d.app(), d.title(), d.severity(), micros(d.openedAt()),
                d.openedBy(), d.rolloutId(), d.revision(), null, null, null);
        incidents.put(i.id(), i);
        return i;
    }

    @Override
    public synchronized Optional<Incident> incident(long id) {
        open();
        return Optional.ofNullable(incidents.get(id));
    }

    @Override
    public synchronized List<Incident> incidents(String app, int limit) {
        open();
        return incidents.descendingMap().values().stream().filter(i -> app == null || app.equals(i.app()))
                .limit(limit).toList();
    }

    @Override
    public synchronized Incident.Note addIncidentNote(Incident.Note note) {
        open();
        requireIncident(note.incidentId());
        notes.add(new Incident.Note(note.incidentId(), micros(note.at()), note.actor(), note.text()));
        return note;
    }

    @Override
    public synchronized List<Incident.Note> incidentNotes(long id) {
        open();
        return notes.stream().filter(n -> n.incidentId() == id).toList();
    }

    @Override
    public synchronized Incident closeIncident(long id, Instant at, String actor, String resolution) {
        open();
        Incident i = requireIncident(id);
        if (!i.isOpen()) {
            throw DeployGuardException.badInput("incident " + id + " was already closed at " + i.closedAt()
                    + " by " + i.closedBy() + "; nothing changed");
        }
        Incident closedOne = new Incident(i.id(), i.app(), i.title(), i.severity(), i.openedAt(), i.openedBy(),
                i.rolloutId(), i.revision(), micros(at), actor, resolution);
        incidents.put(id, closedOne);
        return closedOne;
    }

    private Incident requireIncident(long id) {
        Incident i = incidents.get(id);
        if (i == null) {
            throw DeployGuardException.notFound("no incident with id " + id + " (see: deployguard incident list)");
        }
        return i;
    }

    /** After close every call fails, as it does on a JDBC store whose pool is gone. */
    // --- API tokens ---------------------------------------------------------------------------------------------

    @Override
    public synchronized void addToken(StoredToken token) {
        open();
        if (tokens.containsKey(token.name())) {
            throw DeployGuardException.badInput("a token named '" + token.name() + "' exists; revoke it first"
                    + " (deployguard token revoke " + token.name() + ") or choose another name; nothing changed");
        }
        tokens.put(token.name(), new StoredToken(token.name(), token.role(), token.hash(), micros(token.createdAt()),
                token.createdBy(), token.lastUsedAt() == null ? null : micros(token.lastUsedAt())));
    }

    @Override
    public synchronized List<StoredToken> tokens() {
        open();
        return List.copyOf(tokens.values());
    }

    @Override
    public synchronized Optional<StoredToken> tokenByHash(String hash) {
        open();
        return tokens.values().stream().filter(t -> t.hash().equals(hash)).findFirst();
    }

    @Override
    public synchronized boolean removeToken(String name) {
        open();
        return tokens.remove(name) != null;
    }

    @Override
    public synchronized void tokenUsed(String name, Instant at) {
        open();
        StoredToken t = tokens.get(name);
        if (t != null && (t.lastUsedAt() == null || t.lastUsedAt().isBefore(at))) {
            tokens.put(name, new StoredToken(t.name(), t.role(), t.hash(), t.createdAt(), t.createdBy(), micros(at)));
        }
    }

    @Override
    public synchronized AppRemoved removeApp(String app) {
        TreeMap<Integer, Release> history = releases.remove(app);
        int releaseRows = history == null ? 0 : history.size();
        int eventRows = 0;
        for (var it = events.iterator(); it.hasNext(); ) {
            if (app.equals(it.next().app())) {
                it.remove();
                eventRows++;
            }
        }
        int rolloutRows = 0;
        for (var it = rollouts.values().iterator(); it.hasNext(); ) {
            if (app.equals(it.next().app())) {
                it.remove();
                rolloutRows++;
            }
        }
        TreeMap<String, Instance> slots = instances.remove(app);
        int other = (routes.remove(app) == null ? 0 : 1) + (routers.remove(app) == null ? 0 : 1)
                + (slots == null ? 0 : slots.size()) + (locks.remove(app) == null ? 0 : 1);
        return new AppRemoved(releaseRows, eventRows, rolloutRows, other);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    // --- plumbing ---------------------------------------------------------------------------------------------

    private void open() {
        if (closed) {
            throw new DeployGuardException(ExitCode.FAILURE, "state database error: the in-memory store is closed");
        }
    }

    /** The databases keep timestamps to the nearest microsecond (H2 rounds half up). */
    private static Instant micros(Instant t) {
        if (t == null) {
            return null;
        }
        Instant down = t.truncatedTo(ChronoUnit.MICROS);
        return t.getNano() % 1000 >= 500 ? down.plusNanos(1000) : down;
    }

    private <T> T copy(Object value, Class<T> type) {
        try {
            return json.readValue(json.writeValueAsString(value), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T copy(Object value, TypeReference<T> type) {
        try {
            return json.readValue(json.writeValueAsString(value), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every event in the store, oldest first (for assertions on what an operation recorded). */
    public synchronized List<Event> allEvents() {
        return List.copyOf(events);
    }

    /** Kinds of the app's events, oldest first. */
    public synchronized List<String> eventKinds(String app) {
        return events.stream().filter(e -> app.equals(e.app())).map(Event::kind).toList();
    }
}
