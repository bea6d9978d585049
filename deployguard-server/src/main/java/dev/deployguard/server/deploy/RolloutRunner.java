package dev.deployguard.server.deploy;

import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.TrackKind;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.router.RouterMetrics;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Decision;
import dev.deployguard.rollout.MetricSourceSpec;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.kubernetes.KubernetesRollouts;
import dev.deployguard.server.metrics.MetricSource;
import dev.deployguard.server.metrics.PrometheusSource;
import dev.deployguard.server.metrics.WebSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Drives progressive rollouts: asks the {@link RolloutEngine} what to do, stores the new state, then carries out
 * the actions (weights at the router, webhooks, promotion, rollback). Feeds each rollout's analysis from the
 * router's per-request windows. Ticked by the control plane; resumes stored rollouts after a restart.
 */
public final class RolloutRunner {
    private final Store store;
    private final SpecSource specs;
    private final RouterProcesses routers;
    private final EventLog events;
    private final AppLocks appLocks;
    private final Clock clock;
    private final Deployer deployer;
    private final Function<AnalysisSpec, Judge> analyses;
    private final RolloutEngine engine = new RolloutEngine();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final ExecutorService hooks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "webhook");
        t.setDaemon(true);
        return t;
    });
    private final WebhookCaller webhooks = new WebhookCaller();
    /** How many apps one tick works on at once (see {@link #tick()}). */
    static final int TICK_PARALLELISM = 8;
    private final ExecutorService tickers = Executors.newFixedThreadPool(TICK_PARALLELISM, new ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "deployguard-rollout-tick-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });
    private KubernetesRollouts kubernetes;

    /** In-memory companions of a stored rollout: its analysis and a webhook call in flight. */
    private static final class Running {
        final Judge analysis;
        Instant wakeAt;
        Instant nextAnalysisAt;
        long lastWindowMs;
        CompletableFuture<Observation> webhook;

        MetricSource source;
        Instant sourceFrom;

        Running(Judge analysis, Instant since) {
            this.analysis = analysis;
            this.sourceFrom = since;
            // Only seconds that begin after the rollout began: earlier ones had no canary to compare.
            this.lastWindowMs = since.toEpochMilli() - Math.floorMod(since.toEpochMilli(), 1000L);
        }
    }

    public RolloutRunner(Store store, SpecSource specs, RouterProcesses routers, EventLog events, AppLocks appLocks,
                         Clock clock, Deployer deployer, Function<AnalysisSpec, Judge> analyses) {
        this.store = store;
        this.specs = specs;
        this.routers = routers;
        this.events = events;
        this.appLocks = appLocks;
        this.clock = clock;
        this.deployer = deployer;
        this.analyses = analyses;
    }

    /** Canaries of Kubernetes apps with a traffic router are carried out on the cluster through {@code k}. */
    public void setKubernetes(KubernetesRollouts k) {
        this.kubernetes = k;
    }

    private boolean onKubernetes(String app) {
        return kubernetes != null && KubernetesRollouts.drives(specs.app(app));
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

    private Rollout beginLocked(Release canary, Release stable, AppSpec app, String actor) {
        Strategy strategy = app.strategy();
        RolloutKind kind = strategy.rolloutKind();
        Rollout r = store.saveRollout(Rollout.start(0, app.name(), kind, stable.revision(), canary.revision(),
                clock.instant()), clock.instant());
        events.record(app.name(), canary.revision(), actor, "rollout.started", kind + " rollout of "
                + canary.version() + " (revision " + canary.revision() + ") beside revision " + stable.revision()
                + " (" + stable.version() + ")", Map.of("rollout", r.id(), "strategy", kind.specName()));
        try {
            if (strategy instanceof Strategy.BlueGreen bg && !onKubernetes(app.name())) {
                preview(app.name(), bg.previewListen(), canary, actor);
            }
            setWeight(r, 0, actor);
            running.put(app.name(), new Running(analyses.apply(strategy.analysis()), clock.instant()));
            return step(app.name(), Observation.NONE, actor);
        } catch (RuntimeException e) {
            // Could not even start: put everything back as it was, so nothing is half-applied.
            running.remove(app.name());
            Rollout failed = store.activeRollout(app.name()).orElse(r);
            apply(failed, new Decision(failed.weight(0).done(Rollout.Phase.ROLLED_BACK, "could not start: " + e,
                    clock.instant()), List.of(new Action.RollBack("could not start: " + e)), null), actor);
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "the " + kind + " rollout of " + canary.version()
                    + " could not start (" + e.getMessage() + "); traffic stays on revision " + stable.revision(), e);
        }
    }

    /** After a control-plane restart: pick up every stored rollout that was not finished. */
    public void resumeAll() {
        for (String app : store.apps()) {
            store.activeRollout(app).ifPresent(r -> {
                if (r.waiting() instanceof Waiting.Ending) {
                    if (!finishPending(r)) {
                        running.put(app, new Running(analyses.apply(strategy(app).analysis()), clock.instant()));
                    }
                    return;
                }
                store.saveRollout(engine.resume(r), clock.instant());
                Strategy s = strategy(app);
                running.put(app, new Running(analyses.apply(s.analysis()), clock.instant()));
                events.record(app, r.canaryRevision(), "system", "rollout.resumed", "resumed the " + r.kind()
                        + " rollout of revision " + r.canaryRevision() + " at step " + (r.stepIndex() + 1)
                        + " (" + r.phase() + "); its analysis starts collecting evidence afresh");
            });
        }
    }

    /** The control plane stopped while a rollout was ending: carry out its ending again (each step is idempotent). */
    private boolean finishPending(Rollout r) {
        if (!endPending(r)) {
            return false;
        }
        Rollout.Phase end = ((Waiting.Ending) r.waiting()).end();
        events.record(r.app(), r.canaryRevision(), "system", "rollout.resumed", "finished the " + r.kind()
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
        if (end == Rollout.Phase.ROLLED_BACK) {
            rollBack(r, done, r.outcome(), "system");
        } else if (!finish(done, "system")) {
            return false;
        }
        store.saveRollout(done, clock.instant());
        return true;
    }

    /**
     * One pass over the running rollouts: analysis when due, webhook results, timers. Never throws. Apps are
     * independent (each under its own lock), and an app's tick mostly waits: on its metric source and on the
     * cluster's API server. So up to {@link #TICK_PARALLELISM} apps are ticked at once; the pass returns when every
     * app's tick has. Interrupted (the ticker is stopping), it lets no new app tick start, interrupts those under
     * way and still waits for them, so nothing changes after it returns.
     */
    public void tick() {
        List<String> apps = List.copyOf(running.keySet());
        if (apps.size() <= 1) {
            apps.forEach(this::tickOne);
            return;
        }
        CountDownLatch done = new CountDownLatch(apps.size());
        AtomicBoolean stop = new AtomicBoolean();
        Set<Thread> busy = ConcurrentHashMap.newKeySet();
        for (String app : apps) {
            Runnable task = () -> {
                busy.add(Thread.currentThread());
                try {
                    if (!stop.get()) {
                        tickOne(app);
                    }
                } finally {
                    busy.remove(Thread.currentThread());
                    Thread.interrupted(); // an interrupt meant for this app's tick must not reach the next one
                    done.countDown();
                }
            };
            try {
                tickers.execute(task);
            } catch (RejectedExecutionException e) {
                done.countDown(); // the runner is closing: this app is not ticked
            }
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            stop.set(true);
            busy.forEach(Thread::interrupt);
            awaitUninterruptibly(done);
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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
            running.remove(app, run);
            return;
        }
        Rollout r = active.get();
        boolean onKubernetes = onKubernetes(app);
        if (onKubernetes && r.waiting() instanceof Waiting.Ending) {
            if (endPending(r)) {
                running.remove(app, run);
            }
            return;
        }
        Instant now = clock.instant();
        AnalysisSpec analysis = strategy(app).analysis();
        MetricSourceSpec sourceSpec = onKubernetes ? kubernetes.source(specs.app(app)) : analysis.source();
        Observation obs = Observation.NONE;
        if (run.webhook != null && run.webhook.isDone()) {
            obs = run.webhook.join();
            run.webhook = null;
        } else if (run.nextAnalysisAt == null || !now.isBefore(run.nextAnalysisAt)) {
            run.nextAnalysisAt = now.plus(analysis.interval());
            WindowObservation w;
            if (onKubernetes && sourceSpec == null) {
                w = WindowObservation.missing(run.sourceFrom, now.isAfter(run.sourceFrom) ? now
                        : run.sourceFrom.plusMillis(1), "no analysis source for this Kubernetes canary");
            } else if (sourceSpec == null) {
                w = window(app, r, run, now);
            } else {
                if (run.source == null) {
                    run.source = source(sourceSpec);
                }
                w = run.source.window(run.sourceFrom, now.isAfter(run.sourceFrom) ? now : run.sourceFrom.plusMillis(1));
                if (!w.isMissing()) {
                    run.sourceFrom = w.end();
                }
            }
            if (now.isBefore(r.startedAt().plus(analysis.latencyWarmup())) && !w.isMissing()) {
                w = new WindowObservation(w.start(), w.end(), w.stable(), w.canary(), w.canaryShare(),
                        LatencyPairs.NONE, "");
            }
            Judgement j = run.analysis.observe(w);
            obs = Observation.verdict(j.verdict(), j.toString());
        } else if (run.wakeAt == null || now.isBefore(run.wakeAt)) {
            return;
        }
        step(app, obs, "system");
    }

    /** Runs the engine once and carries out its decision. */
    private Rollout step(String app, Observation obs, String actor) {
        Rollout r = store.activeRollout(app).orElseThrow();
        return apply(r, engine.reconcile(r, strategy(app), obs, clock.instant()), actor);
    }

    /** promote, abort, pause, resume. */
    public Rollout command(String app, RolloutEngine.Command c, String actor) {
        Store.AppLock lock = store.lock(app, c.name().toLowerCase(java.util.Locale.ROOT), deployer.holder(), actor,
                clock.instant());
        var monitor = appLocks.of(app);
        monitor.lock();
        try {
            Rollout r = store.activeRollout(app).orElseThrow(() -> DeployGuardException.badInput("app '" + app
                    + "' has no rollout in progress; deploy a new version with a canary or blueGreen strategy"));
            running.computeIfAbsent(app, a -> new Running(analyses.apply(strategy(app).analysis()), clock.instant()));
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
        for (Action a : d.actions()) {
            if (a instanceof Action.SetWeight w) {
                setWeight(next, w.basisPoints(), actor);
            } else if (a instanceof Action.CallWebhook w) {
                CompletableFuture<Observation> f = CompletableFuture.supplyAsync(() -> webhooks.call(w.webhook(), context(next)), hooks);
                if (next.phase().isDone()) {
                    f.thenAccept(o -> events.record(next.app(), next.canaryRevision(), "system",
                            Boolean.TRUE.equals(o.webhookPassed()) ? "webhook.passed" : "webhook.failed",
                            w.webhook().type() + " webhook " + w.webhook().name() + ": " + o.webhookDetail()));
                } else if (run != null) {
                    run.webhook = f;
                }
            } else if (a instanceof Action.Promote) {
                promote(next, actor);
            } else if (a instanceof Action.RollBack rb) {
                rollBack(before, next, rb.reason(), actor);
            } else if (a instanceof Action.Finish) {
                finished = finish(next, actor);
            } else if (a instanceof Action.Record rec) {
                events.record(next.app(), next.canaryRevision(), actor, rec.kind(), rec.message(),
                        Map.of("rollout", next.id(), "step", next.stepIndex(), "weight", next.weight()));
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

    private void setWeight(Rollout r, int bp, String actor) {
        if (onKubernetes(r.app())) {
            kubernetes.setWeight(specs.app(r.app()), r, bp, actor);
            return;
        }
        List<Instance> stable = deployer.instancesOf(r.app(), r.stableRevision());
        List<Instance> canary = deployer.instancesOf(r.app(), r.canaryRevision());
        long generation = store.routes(r.app()).map(RouteTable::generation).orElse(0L) + 1;
        RouteTable table = new RouteTable(r.app(), generation, List.of(
                new Track(TrackKind.STABLE.trackName(), r.stableRevision(), Track.FULL - bp,
                        stable.stream().map(Instance::address).toList()),
                new Track(TrackKind.CANARY.trackName(), r.canaryRevision(), bp,
                        canary.stream().map(Instance::address).toList())));
        store.saveRoutes(table);
        routers.apply(table);
        events.record(r.app(), r.canaryRevision(), actor, EventKinds.TRAFFIC_SWITCHED, "canary weight "
                + RolloutEngine.percent(bp) + " (revision " + r.canaryRevision() + "), stable "
                + RolloutEngine.percent(Track.FULL - bp) + " (revision " + r.stableRevision() + ")",
                Map.of("generation", generation, "weight", bp));
    }

    private void promote(Rollout r, String actor) {
        if (onKubernetes(r.app())) {
            kubernetes.promote(specs.app(r.app()), r, actor);
            return;
        }
        Release canary = store.release(r.app(), r.canaryRevision()).orElseThrow();
        deployer.switchTraffic(canary, deployer.instancesOf(r.app(), r.canaryRevision()), actor);
        store.markDeployed(r.app(), r.canaryRevision());
        stopPreview(r.app());
    }

    private void rollBack(Rollout before, Rollout r, String reason, String actor) {
        if (onKubernetes(r.app())) {
            kubernetes.rollBack(specs.app(r.app()), before, r, reason, actor);
            return;
        }
        Release stable = store.release(r.app(), r.stableRevision()).orElseThrow();
        long ms = deployer.switchTraffic(stable, deployer.instancesOf(r.app(), r.stableRevision()), actor);
        store.markDeployed(r.app(), r.stableRevision());
        store.setStatus(r.app(), r.canaryRevision(), ReleaseStatus.ROLLED_BACK);
        events.record(r.app(), r.canaryRevision(), actor, "system".equals(actor) ? "rollback.automatic"
                : EventKinds.ROLLBACK_SUCCEEDED, "all traffic back on revision " + r.stableRevision() + " in " + ms
                + " ms; revision " + r.canaryRevision() + " ROLLED_BACK: " + reason,
                Map.of("switchMillis", ms, "from", r.canaryRevision(), "to", r.stableRevision(),
                        "detectSeconds", Duration.between(before.startedAt(), clock.instant()).toMillis() / 1000.0,
                        "automatic", "system".equals(actor)));
        stopPreview(r.app());
        AppSpec app = specs.app(r.app());
        deployer.stopAll(deployer.instancesOf(r.app(), r.canaryRevision()), app.local(), actor,
                "rolled back: " + reason);
    }

    /** Ends a promoted rollout; false when it must be tried again on a later tick. */
    private boolean finish(Rollout r, String actor) {
        if (onKubernetes(r.app())) {
            return kubernetes.finish(specs.app(r.app()), r, actor);
        }
        AppSpec app = specs.app(r.app());
        List<Integer> keep = new ArrayList<>(List.of(r.canaryRevision()));
        if (app.local().keepPreviousWarm()) {
            keep.add(r.stableRevision());
        }
        deployer.cleanup(r.app(), app.local(), keep, actor);
        events.record(r.app(), r.canaryRevision(), actor, EventKinds.DEPLOY_SUCCEEDED, "revision "
                + r.canaryRevision() + " promoted and baked; it serves 100% of " + r.app() + " traffic");
        return true;
    }

    /**
     * The interval since the last look, from the router's aligned one-second windows: stable and canary counts,
     * exact latency histograms and the canary's sign-test pairs. Only seconds that closed at least 1.5 s ago are
     * taken (the router publishes a second once no request can still land in it). If the router does not answer,
     * the window is reported missing: the judges hold instead of judging.
     */
    private WindowObservation window(String app, Rollout r, Running run, Instant now) {
        Instant from = Instant.ofEpochMilli(run.lastWindowMs + 1000);
        Instant end = now.isAfter(from) ? now : from.plusMillis(1);
        RouterMetrics m;
        try {
            m = routers.client(app).metrics(run.lastWindowMs + 1);
        } catch (DeployGuardException e) {
            return WindowObservation.missing(from, end, "router metrics unavailable: " + e.getMessage());
        }
        long complete = now.toEpochMilli() - 1500;
        TrackWindow stable = TrackWindow.NONE;
        TrackWindow canary = TrackWindow.NONE;
        LatencyPairs pairs = LatencyPairs.NONE;
        long last = run.lastWindowMs;
        for (RouterMetrics.TrackMetrics t : m.tracks()) {
            boolean isCanary = t.revision() == r.canaryRevision() && t.track().equals(TrackKind.CANARY.trackName());
            boolean isStable = t.revision() == r.stableRevision() && t.track().equals(TrackKind.STABLE.trackName());
            if (!isCanary && !isStable) {
                continue;
            }
            for (RouterMetrics.Window w : t.windows()) {
                if (w.startEpochMs() <= run.lastWindowMs || w.startEpochMs() > complete) {
                    continue;
                }
                last = Math.max(last, w.startEpochMs());
                TrackWindow tw = trackWindow(w);
                if (isCanary) {
                    canary = canary.plus(tw);
                    pairs = pairs.plus(new LatencyPairs(w.canarySlower(), w.canaryFaster()));
                } else {
                    stable = stable.plus(tw);
                }
            }
        }
        run.lastWindowMs = last;
        if (!Instant.ofEpochMilli(last + 1000).isAfter(from)) {
            return WindowObservation.measured(from, end, TrackWindow.NONE, TrackWindow.NONE, LatencyPairs.NONE);
        }
        return WindowObservation.measured(from, Instant.ofEpochMilli(last + 1000), stable, canary, pairs);
    }

    /** A Prometheus or web source as the spec describes it; the bearer token is read from the named variable. */
    static MetricSource source(MetricSourceSpec spec) {
        if (spec.kind().equals("web")) {
            String token = spec.bearerTokenEnv() == null ? null : System.getenv(spec.bearerTokenEnv());
            return new WebSource(new WebSource.Config(spec.url(), token, spec.stableRequests(), spec.stableErrors(),
                    spec.canaryRequests(), spec.canaryErrors(), spec.timeout()));
        }
        return new PrometheusSource(new PrometheusSource.Config(URI.create(spec.url()),
                PrometheusSource.TrackQueries.counts(spec.stableRequests(), spec.stableErrors()),
                PrometheusSource.TrackQueries.counts(spec.canaryRequests(), spec.canaryErrors()), 1000,
                spec.timeout()));
    }

    private static TrackWindow trackWindow(RouterMetrics.Window w) {
        if (w.requests() == 0) {
            return TrackWindow.counts(0, 0);
        }
        double[] bounds = RouterMetrics.Window.BUCKET_BOUNDS_MILLIS;
        long[] counts = new long[bounds.length + 1];
        if (w.latencyBuckets().size() == counts.length) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = w.latencyBuckets().get(i);
            }
        } else {
            counts[counts.length - 1] = w.requests();
        }
        return new TrackWindow(w.requests(), Math.min(w.errors(), w.requests()), w.latencySumMicros() / 1000.0,
                LatencyHistogram.of(bounds, counts));
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

    private void preview(String app, String listen, Release canary, String actor) {
        String[] hp = listen.split(":(?=[^:]+$)");
        String key = app + "-preview";
        routers.ensure(key, new LocalPlatformSpec.ListenAddress(hp[0], Integer.parseInt(hp[1])), actor);
        long generation = store.routes(key).map(RouteTable::generation).orElse(0L) + 1;
        RouteTable table = RouteTable.single(key, generation, canary.revision(),
                deployer.instancesOf(app, canary.revision()).stream().map(Instance::address).toList());
        store.saveRoutes(table);
        routers.apply(table);
        events.record(app, canary.revision(), actor, "preview.started", "revision " + canary.revision()
                + " previewed on " + listen + " with no user traffic");
    }

    private void stopPreview(String app) {
        String key = app + "-preview";
        if (store.router(key).isPresent()) {
            routers.stop(key);
        }
    }

    public void close() {
        hooks.shutdownNow();
        tickers.shutdownNow();
    }

    public static DeployGuardException busy(String app, Rollout r) {
        return new DeployGuardException(ExitCode.BUSY, "app '" + app + "' has a " + r.kind() + " rollout of revision "
                + r.canaryRevision() + " in progress (" + r.phase() + ", canary weight "
                + RolloutEngine.percent(r.weight()) + "); promote or abort it first");
    }
}
