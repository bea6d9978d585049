// Over 400 lines: a rollout's whole life (begin, resume, tick, commands, endings) is kept in one place; the
// judge's and custom metrics' details live in Analyses, RolloutMetrics and CustomMetrics.
package dev.deployguard.server.deploy;

import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.metric.MetricGate;
import dev.deployguard.analysis.metric.MetricStatus;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.Release;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Decision;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.server.health.ParallelAppWork;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Drives progressive rollouts: asks the {@link RolloutEngine} what to do, stores the new state, then carries out
 * the actions (weights at the router, webhooks, promotion, rollback). Feeds each rollout's analysis from the
 * router's per-request windows. Ticked by the control plane; resumes stored rollouts after a restart.
 */
public final class RolloutRunner {
    private final Store store;
    private final SpecSource specs;
    private final EventLog events;
    private final LoadDriver loads;
    private final AppLocks appLocks;
    private final Clock clock;
    private final String holder;
    private final Function<AnalysisSpec, Judge> analyses;
    private final Function<AppSpec, RolloutTarget> targets;
    /** Each app's target, chosen when its rollout begins (or is first touched after a restart). */
    /** Keys of a preparing rollout's plan that the runner itself keeps: the versions it was begun with. */
    private static final String VERSION = "deployguard.version";
    private static final String STABLE_VERSION = "deployguard.stableVersion";
    /**
     * Key of a preparing rollout's plan naming the change in words when it is not a rollout (a cold blue/green
     * rollback: "the rollback of web to v1 (revision 3, a copy of revision 1)"); the preparing events use it.
     */
    public static final String CHANGE = "deployguard.change";
    private final Map<String, RolloutTarget> chosen = new ConcurrentHashMap<>();
    private final RolloutEngine engine = new RolloutEngine();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Map<String, List<MetricStatus>> lastMetrics = new ConcurrentHashMap<>();
    private final ExecutorService hooks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "webhook");
        t.setDaemon(true);
        return t;
    });
    private final WebhookCaller webhooks = new WebhookCaller();
    private final List<java.util.function.Consumer<AnalysisWindow>> windowListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /** How many apps one tick works on at once (see {@link #tick()}). */
    static final int TICK_PARALLELISM = 8;
    /**
     * How long one pass waits for an app's tick (wall time). An app whose tick outlives it (a metrics provider or an
     * API server that does not answer) is left running on its own thread and skipped until it ends; the pass goes
     * on and {@code /api/health} names the app.
     */
    static final Duration APP_LIMIT = Duration.ofSeconds(30);
    private final ParallelAppWork ticks = new ParallelAppWork("rollouts", TICK_PARALLELISM, APP_LIMIT);

    /** In-memory companions of a stored rollout: its analysis and a webhook call in flight. */
    private static final class Running {
        final Judge analysis;
        final Instant since;
        Instant wakeAt;
        Instant nextAnalysisAt;
        CompletableFuture<Observation> webhook;

        MetricSource source;
        Instant sourceFrom;

        /** The judge's latest verdict, combined with the custom metrics' on ticks when only they are due. */
        Observation judged = Observation.NONE;
        boolean metricsChecked;
        RolloutMetrics metrics;
        final ReadinessHold hold = new ReadinessHold();

        Running(Judge analysis, Instant since) {
            this.analysis = analysis;
            this.since = since;
            this.sourceFrom = since;
        }
    }

    /**
     * @param holder this control plane's lock holder name (operator commands take the app's lock in the store)
     * @param analyses the judge an analysis spec asks for
     * @param targets the rollout target of an app (its platform and strategy); asked once per rollout
     */
    public RolloutRunner(Store store, SpecSource specs, EventLog events, AppLocks appLocks, Clock clock,
                         String holder, Function<AnalysisSpec, Judge> analyses,
                         Function<AppSpec, RolloutTarget> targets) {
        this.store = store;
        this.specs = specs;
        this.events = events;
        this.loads = new LoadDriver(events);
        this.appLocks = appLocks;
        this.clock = clock;
        this.holder = holder;
        this.analyses = analyses;
        this.targets = targets;
    }

    private RolloutTarget target(String app) {
        return chosen.computeIfAbsent(app, a -> targets.apply(specs.app(a)));
    }

    private Running newRunning(String app) {
        return new Running(analyses.apply(strategy(app).analysis()), clock.instant());
    }

    /** Begins a rollout of a ready release beside the serving one; returns once the first step is applied. */
    public Rollout begin(Release canary, Release stable, AppSpec app, String actor) {
        // Wait for a tick still carrying out the previous rollout's last actions (its cleanup) to finish.
        var monitor = appLocks.of(app.name());
        monitor.lock();
        try {
            return beginLocked(canary, stable, app, actor);
        } finally {
            monitor.unlock();
        }
    }

    /**
     * Begins a rollout whose new release is first prepared on its platform ({@link RolloutTarget#prepare}, e.g. a
     * Kubernetes canary Deployment rolling out). The target is asked once here: an error is the deploy's and nothing
     * is recorded; ready at once, the rollout begins as {@link #begin(Release, Release, AppSpec, String)} does.
     * Otherwise the rollout is stored waiting for {@code preparing} and this returns at once; the ticks go on
     * preparing (also after a restart) until the release is ready, then take the first step, or roll it back at the
     * deadline with a {@code rollout.preparation-failed} event. No thread waits for the platform.
     */
    public Rollout begin(Release canary, Release stable, AppSpec app, String actor, Waiting.Preparing preparing) {
        var monitor = appLocks.of(app.name());
        monitor.lock();
        try {
            Map<String, String> plan = new LinkedHashMap<>(preparing.plan());
            plan.put(VERSION, canary.version());
            plan.put(STABLE_VERSION, stable.version());
            preparing = new Waiting.Preparing(preparing.what(), preparing.deadline(), plan);
            Rollout draft = Rollout.start(0, app.name(), app.strategy().rolloutKind(), stable.revision(),
                    canary.revision(), clock.instant()).toBuilder().waiting(preparing).build();
            RolloutTarget target = targets.apply(app);
            if (target.prepare(draft, preparing, actor) == RolloutTarget.Progress.DONE) {
                Rollout ready = target.prepared(draft, preparing).toBuilder().waiting(null).build();
                if (ready.phase().isDone()) {
                    return store.saveRollout(ready, clock.instant()); // the preparation was the whole change
                }
                return start(store.saveRollout(ready, clock.instant()), app, target, actor, started(ready,
                        canary.version() + " (revision " + ready.canaryRevision() + ") beside revision "
                                + ready.stableRevision() + " (" + stable.version() + ")"), canary.version(),
                        stable.version());
            }
            Rollout r = store.saveRollout(draft, clock.instant());
            chosen.put(app.name(), target);
            lastMetrics.remove(app.name());
            running.put(app.name(), newRunning(app.name()));
            events.record(app.name(), r.canaryRevision(), actor, EventKinds.ROLLOUT_PREPARING, "preparing "
                    + preparing.plan().getOrDefault(CHANGE, "the " + r.kind().words() + " rollout of "
                    + canary.version() + " (revision " + r.canaryRevision() + ")") + ": waiting for " + preparing.text(), Map.of("rollout", r.id(),
                    "deadline", preparing.deadline().toString(), "version", canary.version()));
            return r;
        } finally {
            monitor.unlock();
        }
    }

    private Rollout beginLocked(Release canary, Release stable, AppSpec app, String actor) {
        Rollout r = store.saveRollout(Rollout.start(0, app.name(), app.strategy().rolloutKind(), stable.revision(),
                canary.revision(), clock.instant()), clock.instant());
        return start(r, app, targets.apply(app), actor, started(r, canary.version() + " (revision "
                + canary.revision() + ") beside revision " + stable.revision() + " (" + stable.version() + ")"),
                canary.version(), stable.version());
    }

    private static String started(Rollout r, String what) {
        return r.kind().words() + " rollout of " + what;
    }

    /** The rollout {@code r}, stored and ready, takes its first step; anything failing puts everything back. */
    private Rollout start(Rollout r, AppSpec app, RolloutTarget target, String actor, String message,
                          String version, String stableVersion) {
        Map<String, Object> data = new LinkedHashMap<>(Map.of("rollout", r.id(), "strategy", r.kind().specName()));
        // The versions, so that whoever reads the event later (a git restore after an abort) need not ask the
        // platform what the revisions were.
        if (version != null) {
            data.put("version", version);
        }
        if (stableVersion != null) {
            data.put("stableVersion", stableVersion);
        }
        events.record(app.name(), r.canaryRevision(), actor, "rollout.started", message, data);
        chosen.put(app.name(), target);
        lastMetrics.remove(app.name());
        try {
            target.begin(r, actor);
            running.put(app.name(), new Running(analyses.apply(app.strategy().analysis()), clock.instant()));
            return step(app.name(), Observation.NONE, actor);
        } catch (RuntimeException e) {
            // Could not even start: put everything back as it was, so nothing is half-applied.
            running.remove(app.name());
            Rollout failed = store.activeRollout(app.name()).orElse(r);
            apply(failed, new Decision(failed.weight(0).done(Rollout.Phase.ROLLED_BACK, "could not start: " + e,
                    clock.instant()), List.of(new Action.RollBack("could not start: " + e)), null), actor);
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "the " + r.kind().words() + " rollout of revision "
                    + r.canaryRevision() + " could not start (" + e.getMessage() + "); traffic stays on revision "
                    + r.stableRevision(), e);
        }
    }

    /**
     * A tick of a rollout being prepared: ready, it takes its first step; past its deadline, it is rolled back
     * (nothing was routed to the new release) with an event that says what was not ready.
     */
    private void preparing(String app, Rollout r, Waiting.Preparing p) {
        Instant now = clock.instant();
        RolloutTarget target = target(app);
        if (!now.isBefore(p.deadline())) {
            // Flagger's reason for the same rollback: "progress deadline exceeded" (pkg/canary/deployment_ready.go).
            String reason = "not ready in time: " + p.what() + " by " + p.deadline()
                    + " (progress deadline exceeded); no traffic was routed to it";
            apply(r, new Decision(r.weight(0).done(Rollout.Phase.ROLLED_BACK, reason, now), List.of(
                    new Action.Record(EventKinds.ROLLOUT_PREPARATION_FAILED, "gave up preparing revision "
                            + r.canaryRevision() + ": " + reason), new Action.RollBack(reason)), null), "system");
            return;
        }
        if (target.prepare(r, p, "system") == RolloutTarget.Progress.NOT_YET) {
            return;
        }
        Rollout prepared = target.prepared(r, p);
        if (prepared.phase().isDone()) {
            // The preparation was the whole change (a Kubernetes blue/green rollback to a slot started again, switched
            // once it rolled out): there are no steps to take.
            store.saveRollout(prepared.toBuilder().waiting(null).stepStartedAt(now).build(), now);
            running.remove(app);
            return;
        }
        Rollout ready = store.saveRollout(prepared.toBuilder().waiting(null).startedAt(now)
                .stepStartedAt(now).build(), now);
        start(ready, specs.app(app), target, "system", started(ready, "revision " + ready.canaryRevision()
                + " beside revision " + ready.stableRevision() + ", prepared (" + p.what() + ")"),
                p.plan().get(VERSION), p.plan().get(STABLE_VERSION));
    }

    /** After a control-plane restart: pick up every stored rollout that was not finished. */
    public void resumeAll() {
        // The store's apps (local ones have releases there) and the spec's (a Kubernetes app's releases live on the
        // cluster, so only its rollout is in the store).
        java.util.Set<String> apps = new java.util.LinkedHashSet<>(store.apps());
        try {
            apps.addAll(specs.get().apps().keySet());
        } catch (DeployGuardException e) {
            // An unreadable spec: the store's apps still resume; the others wait for a command or a restart.
        }
        for (String app : apps) {
            // Under the app's lock: a command (promote, abort) must not be written over by a resume of the rollout
            // as it was read before the command.
            var monitor = appLocks.of(app);
            monitor.lock();
            try {
                resume(app);
            } finally {
                monitor.unlock();
            }
        }
    }

    private void resume(String app) {
        Rollout r = store.activeRollout(app).orElse(null);
        if (r == null) {
            return;
        }
        if (r.waiting() instanceof Waiting.Preparing p) {
            running.put(app, newRunning(app));
            events.record(app, r.canaryRevision(), "system", "rollout.resumed", "resumed preparing "
                    + p.plan().getOrDefault(CHANGE, "the " + r.kind().words() + " rollout of revision "
                    + r.canaryRevision()) + ": waiting for " + p.text());
            return;
        }
        if (r.waiting() instanceof Waiting.Ending) {
            if (!finishPending(r)) {
                running.put(app, newRunning(app));
            }
            return;
        }
        store.saveRollout(engine.resume(r), clock.instant());
        Running run = newRunning(app);
        run.hold.restore(r, store);
        running.put(app, run);
        events.record(app, r.canaryRevision(), "system", "rollout.resumed", "resumed the " + r.kind().words()
                + " rollout of revision " + r.canaryRevision() + " at step " + (r.stepIndex() + 1)
                + " (" + r.phase() + "); its analysis starts collecting evidence afresh");
    }

    /** The control plane stopped while a rollout was ending: carry out its ending again (each step is idempotent). */
    private boolean finishPending(Rollout r) {
        if (!endPending(r)) {
            return false;
        }
        Rollout.Phase end = ((Waiting.Ending) r.waiting()).end();
        events.record(r.app(), r.canaryRevision(), "system", "rollout.resumed", "finished the " + r.kind().words()
                + " rollout of revision " + r.canaryRevision() + " that was ending ("
                + (end == Rollout.Phase.ROLLED_BACK ? "rolling back" : "succeeding") + ") when the previous"
                + " control plane stopped");
        return true;
    }

    /** Carries out a recorded ending; false when its Finish must wait (a Kubernetes stable still rolling out). */
    private boolean endPending(Rollout r) {
        Rollout.Phase end = ((Waiting.Ending) r.waiting()).end();
        Rollout done = r.weight(end == Rollout.Phase.ROLLED_BACK ? 0 : r.weight()).done(end, r.outcome(),
                clock.instant());
        RolloutTarget target = target(r.app());
        if (end == Rollout.Phase.ROLLED_BACK) {
            target.apply(new Action.RollBack(r.outcome()), done, "system");
        } else if (target.apply(new Action.Finish(), done, "system") == RolloutTarget.Progress.NOT_YET) {
            return false;
        }
        store.saveRollout(done, clock.instant());
        return true;
    }

    /**
     * One pass over the running rollouts: analysis when due, webhook results, timers. Never throws. Apps are
     * independent (each under its own lock), and an app's tick mostly waits: on its metric source and on the
     * cluster's API server. So up to {@link #TICK_PARALLELISM} apps are ticked at once; the pass returns when every
     * app's tick has, or after {@link #APP_LIMIT} (a hung app is skipped until its tick ends: {@link
     * ParallelAppWork}). Interrupted (the ticker is stopping), it lets no new app tick start, interrupts those under
     * way and still waits for them, so nothing changes after it returns.
     */
    public void tick() {
        ticks.run(List.copyOf(running.keySet()), this::tickOne);
    }

    /** Tests: a shorter wait for a hung app's tick than {@link #APP_LIMIT}. */
    void appLimit(Duration limit) {
        ticks.limit(limit);
    }

    /** Apps whose rollout tick has run past {@link #APP_LIMIT} (for {@code /api/health}). */
    public List<LoopHealth.Problem> problems() {
        return ticks.problems();
    }

    private void tickOne(String app) {
        var monitor = appLocks.of(app);
        if (!monitor.tryLock()) {
            return;
        }
        try {
            tickApp(app);
        } catch (RuntimeException e) {
            events.record(app, null, "system", "rollout.error", "rollout step failed and will be retried: " + e);
        } finally {
            monitor.unlock();
        }
    }

    private void tickApp(String app) {
        Running run = running.get(app);
        Optional<Rollout> active = store.activeRollout(app);
        if (run == null) {
            return;
        }
        if (active.isEmpty()) {
            loads.stop(app, null, "the rollout ended");
            running.remove(app, run);
            return;
        }
        Rollout r = active.get();
        if (r.waiting() instanceof Waiting.Ending) {
            loads.stop(app, r.canaryRevision(), "the rollout is ending");
            if (endPending(r)) {
                running.remove(app, run);
            }
            return;
        }
        if (r.waiting() instanceof Waiting.Preparing p) {
            preparing(app, r, p);
            return;
        }
        loads.sync(r, strategy(app), target(app));
        Instant now = clock.instant();
        r = held(app, r, run, now);
        if (r == null) {
            return;
        }
        AnalysisSpec analysis = strategy(app).analysis();
        Observation obs = Observation.NONE;
        boolean metricsDue = metricsDue(app, r, run, now);
        if (run.metrics != null) {
            run.metrics.observe(now); // built-in measures read their windows (at most once a second)
        }
        if (run.webhook != null && run.webhook.isDone()) {
            obs = run.webhook.join();
            run.webhook = null;
        } else if (judgeDue(run, now) || metricsDue) {
            if (judgeDue(run, now)) {
                run.judged = judge(app, r, run, analysis, now);
            }
            obs = run.metrics == null ? run.judged : CustomMetrics.combine(run.judged,
                    measureMetrics(app, r, run, now));
        } else if (run.wakeAt == null || now.isBefore(run.wakeAt)) {
            return;
        }
        step(app, run.metrics == null ? obs : CustomMetrics.guard(obs, r, run.metrics, strategy(app)), "system");
    }

    /**
     * Flagger's readiness check on each iteration ({@link ReadinessHold}): a release that does not serve holds the
     * rollout (null: nothing more this tick) until it serves again, which moves its step's start by the time held
     * and judges no evidence of it, or until its deadline, which rolls it back. Not after promotion (baking).
     */
    private Rollout held(String app, Rollout r, Running run, Instant now) {
        if (r.phase() != Rollout.Phase.PROGRESSING && r.phase() != Rollout.Phase.PAUSED) {
            return r;
        }
        if (!run.hold.probeDue(now)) {
            return run.hold.held() ? null : r;
        }
        switch (run.hold.observe(r, target(app).unready(r).orElse(null), now, events)) {
            case SERVES:
                return r;
            case RESUMED:
                run.sourceFrom = now;
                Rollout moved = store.saveRollout(r.toBuilder().stepStartedAt(r.stepStartedAt()
                        .plus(run.hold.lastHeld())).build(), now);
                run.hold.resumed(moved, events);
                return moved;
            case HELD:
                return null;
            default:
                String reason = run.hold.exceeded();
                List<Action> actions = new java.util.ArrayList<>(List.of(new Action.RollBack(reason)));
                strategy(app).hooks("rollback").forEach(h -> actions.add(new Action.CallWebhook(h)));
                actions.add(new Action.Record("rollout.rolled-back", "rolled back to revision " + r.stableRevision()
                        + ": " + reason));
                apply(r, new Decision(r.weight(0).done(Rollout.Phase.ROLLED_BACK, reason, now), actions, null),
                        "system");
                return null;
        }
    }

    /** While {@code app}'s rollout is held ({@link ReadinessHold}): what it waits for; empty otherwise. */
    public Optional<String> held(String app) {
        Running run = running.get(app);
        return Optional.ofNullable(run == null ? null : run.hold.waitingFor());
    }

    private static boolean judgeDue(Running run, Instant now) {
        return run.nextAnalysisAt == null || !now.isBefore(run.nextAnalysisAt);
    }

    private Observation judge(String app, Rollout r, Running run, AnalysisSpec analysis, Instant now) {
        run.nextAnalysisAt = now.plus(analysis.interval());
        if (run.source == null) {
            run.source = target(app).evidence(r, run.since);
        }
        WindowObservation w = run.source.window(run.sourceFrom, now.isAfter(run.sourceFrom) ? now
                : run.sourceFrom.plusMillis(1));
        if (!w.isMissing()) {
            run.sourceFrom = w.end();
        }
        if (now.isBefore(r.startedAt().plus(analysis.latencyWarmup())) && !w.isMissing()) {
            w = new WindowObservation(w.start(), w.end(), w.stable(), w.canary(), w.canaryShare(),
                    LatencyPairs.NONE, "");
        }
        Judgement j = run.analysis.observe(w);
        publish(new AnalysisWindow(app, r, w, j, analysis));
        return Observation.verdict(j.verdict(), j.toString());
    }

    // Custom metrics (issue 11): started on the rollout's first tick, measured when due.
    private boolean metricsDue(String app, Rollout r, Running run, Instant now) {
        if (!run.metricsChecked) {
            Strategy s = strategy(app);
            if (RolloutMetrics.any(s)) {
                // May throw (a cluster that cannot be read): the tick fails, nothing moves, the next tick tries again.
                run.metrics = new RolloutMetrics(s, CustomMetrics.queries(target(app).builtins(r, run.since)),
                        run.since);
            }
            run.metricsChecked = true;
        }
        if (run.metrics == null) {
            return false;
        }
        // Asked afresh each tick: an analysis step the rollout just reached starts its own metrics at once.
        Instant next = run.metrics.nextDue(r, strategy(app), now);
        return next != null && !now.isBefore(next);
    }

    private MetricGate.Outcome measureMetrics(String app, Rollout r, Running run, Instant now) {
        var gate = run.metrics.tick(r, strategy(app), now, m -> {
            events.record(app, r.canaryRevision(), "system", EventKinds.ANALYSIS_METRIC, CustomMetrics.describe(m),
                    CustomMetrics.data(r, m));
            CustomMetrics.feed(run.analysis, m);
        });
        lastMetrics.put(app, run.metrics.statuses());
        return gate;
    }

    /**
     * The custom metrics of {@code app}'s running (or latest) rollout since this control plane started: each metric's
     * phase, counters and measurements; empty when it has none.
     */
    public List<MetricStatus> metrics(String app) {
        return lastMetrics.getOrDefault(app, List.of());
    }

    /** Tells {@code listener} about every analysis look from now on (on the ticker's thread: it must be quick). */
    public void onAnalysis(java.util.function.Consumer<AnalysisWindow> listener) {
        windowListeners.add(listener);
    }

    private void publish(AnalysisWindow w) {
        for (var l : windowListeners) {
            try {
                l.accept(w);
            } catch (RuntimeException e) {
                // A broken display must never break a rollout.
            }
        }
    }

    /** Runs the engine once and carries out its decision. */
    private Rollout step(String app, Observation obs, String actor) {
        Rollout r = store.activeRollout(app).orElseThrow();
        return apply(r, engine.reconcile(r, strategy(app), obs, clock.instant()), actor);
    }

    /** promote, abort, pause, resume. */
    public Rollout command(String app, RolloutEngine.Command c, String actor) {
        Store.AppLock lock = store.lock(app, c.name().toLowerCase(java.util.Locale.ROOT), holder, actor,
                clock.instant());
        var monitor = appLocks.of(app);
        monitor.lock();
        try {
            Rollout r = store.activeRollout(app).orElseThrow(() -> DeployGuardException.badInput("app '" + app
                    + "' has no rollout in progress; deploy a new version with a canary or blueGreen strategy"));
            if (r.waiting() instanceof Waiting.Preparing p && c != RolloutEngine.Command.ABORT) {
                throw new DeployGuardException(ExitCode.BUSY, "the " + r.kind().words() + " rollout of revision "
                        + r.canaryRevision() + " has not started yet: waiting for " + p.text() + "; only abort"
                        + " (or rollback) acts on it now");
            }
            running.computeIfAbsent(app, this::newRunning);
            return apply(r, engine.command(r, strategy(app), c, actor, clock.instant()), actor);
        } finally {
            monitor.unlock();
            store.unlock(lock);
        }
    }

    public boolean hasActive(String app) {
        return store.activeRollout(app).isPresent();
    }

    private Rollout apply(Rollout before, Decision d, String actor) {
        Rollout decided = d.next();
        if (decided.phase().isDone()) {
            loads.stop(decided.app(), decided.canaryRevision(), "the rollout " + decided.phase().name().toLowerCase(
                    java.util.Locale.ROOT).replace('_', ' '));
            // Two steps for an ending: first record that it is ending (a restarted control plane finishes it), then
            // carry out the actions, then record the end. So "ROLLED_BACK" is never shown before traffic is back.
            store.saveRollout(decided.toBuilder().phase(before.phase()).weight(before.weight())
                    .waiting(new Waiting.Ending(decided.phase())).build(), clock.instant());
        }
        final Rollout next = decided.phase().isDone() ? decided : store.saveRollout(decided, clock.instant());
        Running run = running.get(next.app());
        if (run != null) {
            run.wakeAt = d.wakeAt();
        }
        boolean finished = true;
        RolloutTarget target = target(next.app());
        for (Action a : d.actions()) {
            if (a instanceof Action.CallWebhook w) {
                CompletableFuture<Observation> f = CompletableFuture.supplyAsync(() -> webhooks.call(w.webhook(), context(next)), hooks);
                if (next.phase().isDone()) {
                    f.thenAccept(o -> events.record(next.app(), next.canaryRevision(), "system",
                            Boolean.TRUE.equals(o.webhookPassed()) ? "webhook.passed" : "webhook.failed",
                            w.webhook().type() + " webhook " + w.webhook().name() + ": " + o.webhookDetail()));
                } else if (run != null) {
                    run.webhook = f;
                }
            } else if (a instanceof Action.Record rec) {
                events.record(next.app(), next.canaryRevision(), actor, rec.kind(), rec.message(),
                        Map.of("rollout", next.id(), "step", next.stepIndex(), "weight", next.weight()));
            } else if (target.apply(a, next, actor) == RolloutTarget.Progress.NOT_YET) {
                finished = false; // only a Finish waits for its platform; the ticker asks again
            }
        }
        if (!finished) {
            // The ticker finishes it once the cluster has caught up; until then it stays active and pending.
            return store.activeRollout(next.app()).orElse(next);
        }
        if (next.phase().isDone()) {
            store.saveRollout(next, clock.instant());
        }
        if (next.phase().isDone() && run != null) {
            // Only this rollout's companion: a new rollout of the app may have started meanwhile.
            running.remove(next.app(), run);
        }
        return next;
    }

    private static Map<String, Object> context(Rollout r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", r.app());
        body.put("phase", r.phase().name());
        body.put("stableRevision", r.stableRevision());
        body.put("canaryRevision", r.canaryRevision());
        body.put("weight", r.weight());
        return body;
    }

    private Strategy strategy(String app) {
        return specs.app(app).strategy();
    }

    public void close() {
        hooks.shutdownNow();
        ticks.close();
    }

    public static DeployGuardException busy(String app, Rollout r) {
        return new DeployGuardException(ExitCode.BUSY, "app '" + app + "' has a " + r.kind().words() + " rollout of revision "
                + r.canaryRevision() + " in progress (" + r.phase() + ", canary weight "
                + RolloutEngine.percent(r.weight()) + "); promote or abort it first");
    }
}
