package dev.deployguard.server.incident;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.incident.Incident;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Opens, notes and closes incidents, each as an event with its actor; opens one by itself when a rollout is rolled
 * back automatically (unless the app's {@code notifications.autoOpenIncident} is false). Captures the router's
 * recent traffic when an incident opens and closes, because the router keeps only five minutes of it.
 */
public final class Incidents implements Consumer<Event>, AutoCloseable {
    private static final Pattern SEVERITY = Pattern.compile("SEV[1-5]");
    private static final int MAX_TEXT = 8000;

    private final Store store;
    private final EventLog events;
    private final RouterProcesses routers;
    private final SpecSource specs;
    private final Clock clock;
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "incidents");
        t.setDaemon(true);
        return t;
    });
    /**
     * Router windows sampled every second while a rollout runs: the router drops a canary's windows the moment a
     * rollback takes it out of the route table, so what users of the bad release saw must be kept beforehand.
     */
    private final Map<String, List<List<Object>>> sampled = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> samplers = new ConcurrentHashMap<>();

    public Incidents(Store store, EventLog events, RouterProcesses routers, SpecSource specs, Clock clock) {
        this.store = store;
        this.events = events;
        this.routers = routers;
        this.specs = specs;
        this.clock = clock;
    }

    public Incident open(String app, String title, String severity, String actor) {
        if (store.history(app).isEmpty()) {
            specs.app(app);
        }
        if (title == null || title.isBlank()) {
            throw DeployGuardException.badInput("--title is required: one line saying what users see, e.g."
                    + " \"checkout returns 500\"");
        }
        String sev = severity == null ? "SEV3" : severity.trim().toUpperCase(Locale.ROOT);
        if (!SEVERITY.matcher(sev).matches()) {
            throw DeployGuardException.badInput("--severity must be SEV1 (worst) to SEV5, got '" + severity + "'");
        }
        return record(new Incident(0, app, clip(title.strip(), 500), sev, clock.instant(), actor, null, null, null,
                null, null), "opened by " + actor);
    }

    public void note(long id, String text, String actor) {
        Incident i = get(id);
        if (text == null || text.isBlank()) {
            throw DeployGuardException.badInput("the note is empty; write what was found or done");
        }
        store.addIncidentNote(new Incident.Note(id, clock.instant(), actor, clip(text.strip(), MAX_TEXT)));
        events.record(i.app(), i.revision(), actor, EventKinds.INCIDENT_NOTED, "incident " + id + ": "
                + clip(text.strip(), 500), Map.of("incident", id));
    }

    public Incident close(long id, String resolution, String actor) {
        get(id);
        Incident closed = store.closeIncident(id, clock.instant(), actor, resolution == null ? null
                : clip(resolution.strip(), MAX_TEXT));
        captureTraffic(closed, actor);
        events.record(closed.app(), closed.revision(), actor, EventKinds.INCIDENT_CLOSED, "incident " + id
                + " closed after " + human(closed.duration(clock.instant())) + (resolution == null ? ""
                : ": " + clip(resolution.strip(), 300)), Map.of("incident", id));
        return closed;
    }

    public Incident get(long id) {
        return store.incident(id).orElseThrow(() -> DeployGuardException.notFound("no incident with id " + id
                + " (see: deployguard incident list)"));
    }

    public List<Incident> list(String app) {
        return store.incidents(app, 200);
    }

    public List<Incident.Note> notes(long id) {
        get(id);
        return store.incidentNotes(id);
    }

    /** The post-incident report in Markdown. */
    public String report(long id) {
        Incident i = get(id);
        Optional<Rollout> rollout = i.rolloutId() == null ? Optional.empty()
                : store.rollouts(i.app(), 100).stream().filter(r -> r.id() == i.rolloutId()).findFirst();
        Instant from = rollout.map(Rollout::startedAt).filter(t -> t.isBefore(i.openedAt())).orElse(i.openedAt())
                .minus(IncidentReport.LOOK_BEHIND);
        // Up to and with the closing event (all of them while the incident is open).
        List<Event> window = new java.util.ArrayList<>();
        for (Event e : store.events(i.app(), 0, from, 10_000)) {
            window.add(e);
            if (e.kind().equals(EventKinds.INCIDENT_CLOSED) && e.data().get("incident") instanceof Number n
                    && n.longValue() == id) {
                break;
            }
        }
        return new IncidentReport(i, rollout.orElse(null), store.incidentNotes(id), window, clock.instant())
                .withBackups(store.events(null, "backup", 0, null, 10_000)).markdown();
    }

    /** Listens to the event log: an automatic rollback opens an incident, off the rollback's thread. */
    @Override
    public void accept(Event e) {
        if (e.app() == null) {
            return;
        }
        if (EventKinds.ROLLBACK_AUTOMATIC.equals(e.kind())) {
            background.execute(() -> autoOpen(e));
        } else if (EventKinds.CRASH_LOOP.equals(e.kind())) {
            background.execute(() -> openForCrashLoop(e));
        } else if (EventKinds.ROLLOUT_STARTED.equals(e.kind())) {
            background.execute(() -> startSampling(e.app()));
        }
    }

    private void startSampling(String app) {
        sampled.remove(app);
        ScheduledFuture<?> old = samplers.put(app, background.scheduleWithFixedDelay(() -> sample(app), 0, 1,
                TimeUnit.SECONDS));
        if (old != null) {
            old.cancel(false);
        }
    }

    private void sample(String app) {
        try {
            if (store.activeRollout(app).isEmpty()) {
                ScheduledFuture<?> f = samplers.remove(app);
                if (f != null) {
                    f.cancel(false);
                }
                return;
            }
            sampled.put(app, TrafficWindows.compact(routers.client(app).metrics()));
        } catch (RuntimeException e) {
            // The router may be restarting; the next second tries again.
        }
    }

    private void autoOpen(Event e) {
        try {
            AppSpec app = specs.app(e.app());
            if (app.notifications() != null && !app.notifications().autoOpenIncident()) {
                return;
            }
        } catch (DeployGuardException ex) {
            // The spec cannot be read now; opening one too many incidents beats missing one.
        }
        Integer canary = e.data().get("from") instanceof Number n ? n.intValue() : e.revision();
        Long rolloutId = store.rollouts(e.app(), 20).stream().filter(r -> canary != null
                && r.canaryRevision() == canary).map(Rollout::id).findFirst().orElse(null);
        int k = e.message().indexOf("ROLLED_BACK: ");
        String reason = k >= 0 ? e.message().substring(k + "ROLLED_BACK: ".length()) : e.message();
        record(new Incident(0, e.app(), clip("Automatic rollback of revision " + canary + ": " + reason, 500),
                "SEV2", clock.instant(), "system", rolloutId, canary, null, null, null),
                "opened automatically by the rollback of revision " + canary + " (rollout " + rolloutId + ")");
    }

    /** One incident per crash loop (the supervisor records the loop once, not once per attempt). */
    private void openForCrashLoop(Event e) {
        String first = e.message().lines().findFirst().orElse(e.message());
        record(new Incident(0, e.app(), clip("Crash loop: " + first, 500), "SEV2", clock.instant(), "system", null,
                e.revision(), null, null, null), "opened automatically by a crash loop");
    }

    private Incident record(Incident draft, String how) {
        Incident i = store.openIncident(draft);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("incident", i.id());
        data.put("severity", i.severity());
        if (i.rolloutId() != null) {
            data.put("rollout", i.rolloutId());
        }
        events.record(i.app(), i.revision(), i.openedBy(), EventKinds.INCIDENT_OPENED, "incident " + i.id() + " ("
                + i.severity() + ") " + how + ": " + i.title(), data);
        captureTraffic(i, i.openedBy());
        return i;
    }

    private void captureTraffic(Incident i, String actor) {
        List<List<Object>> windows = new ArrayList<>(sampled.getOrDefault(i.app(), List.of()));
        try {
            windows.addAll(TrafficWindows.compact(routers.client(i.app()).metrics()));
        } catch (RuntimeException e) {
            // No router (never deployed) or it does not answer: only what was sampled during a rollout, if anything.
        }
        if (windows.isEmpty()) {
            return;
        }
        // Each second of each track once, the freshest reading kept.
        Map<String, List<Object>> byKey = new LinkedHashMap<>();
        for (List<Object> w : windows) {
            byKey.remove(w.get(0) + "/" + w.get(1) + "/" + w.get(2));
            byKey.put(w.get(0) + "/" + w.get(1) + "/" + w.get(2), w);
        }
        windows = new ArrayList<>(byKey.values());
        windows.sort(java.util.Comparator.comparingLong(w -> ((Number) w.get(0)).longValue()));
        // An event row holds 64 KiB: keep the newest windows if a busy router has more.
        if (windows.size() > 900) {
            windows = windows.subList(windows.size() - 900, windows.size());
        }
        events.record(i.app(), i.revision(), actor, EventKinds.INCIDENT_TRAFFIC, "router traffic of the last 5 min"
                + " kept for incident " + i.id() + " (" + windows.size() + " busy track-seconds)",
                Map.of("incident", i.id(), "windows", windows));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        }
        return s >= 3600 ? String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, s % 3600 / 60, s % 60)
                : String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /**
     * Tests: returns once the work queued before this call has run, and the work that work queued in turn (two
     * rounds through the single background thread: the first ends after every task queued so far, so whatever those
     * queued is ahead of the second).
     */
    void settle() throws InterruptedException {
        for (int round = 0; round < 2; round++) {
            try {
                background.submit(() -> { }).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the incident thread did not get to a no-op in 30 s", e);
            }
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
        try {
            background.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
