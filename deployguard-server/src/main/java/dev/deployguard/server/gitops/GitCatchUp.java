package dev.deployguard.server.gitops;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.gitops.GitRestoreRequest;
import dev.deployguard.gitops.GitRestoreResult;
import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.release.Release;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.GitOpsSpec;
import dev.deployguard.spec.Spec;
import dev.deployguard.store.EventStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps git saying what runs after each rollback of an app with {@code gitops.git}. The rollback is done first, from
 * the cluster's own history; then the restore commit is written at once, or — when git is unreachable or refuses —
 * {@code gitops.git.pending} is recorded and {@link #tick()} retries until git catches up
 * ({@code gitops.git.restored} with the commit's SHA). What is pending lives in those events, so a restarted
 * control plane goes on retrying.
 */
public final class GitCatchUp {
    private final GitRestorer restorer;
    private final Recorder events;
    private final EventStore eventStore;
    private final Supplier<Spec> specs;
    private final Clock clock;
    private final Duration retryEvery;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> last = new ConcurrentHashMap<>();
    private final Map<String, Object> appLocks = new ConcurrentHashMap<>();
    private volatile boolean resumed;

    /**
     * Where the gitops.git events go (the control plane's EventLog, {@code events::record}); an interface here so
     * this package does not depend on {@code server.deploy}, which depends on it (ArchitectureTest: no cycles).
     */
    @FunctionalInterface
    public interface Recorder {
        void record(String app, Integer revision, String actor, String kind, String message, Map<String, Object> data);
    }

    /** A restore not yet written: what to restore, and when to try again. */
    private record Pending(String app, Deployed bad, Deployed good, String actor, Instant next, String reason) {
    }

    public GitCatchUp(GitRestorer restorer, Recorder events, EventStore eventStore, Supplier<Spec> specs, Clock clock,
                      Duration retryEvery) {
        this.restorer = restorer;
        this.events = events;
        this.eventStore = eventStore;
        this.specs = specs;
        this.clock = clock;
        this.retryEvery = retryEvery;
    }

    /** The restorer itself, for callers that ask {@link GitRestorer#headDeploys} before re-arming automation. */
    public GitRestorer restorer() {
        return restorer;
    }

    /**
     * After a successful rollback of {@code app} from {@code bad} to {@code good} (null: the commit before the bad
     * one): writes the restore commit now, or records it as pending. Returns the sentence for the rollback's answer,
     * or null when the app has no {@code gitops.git} section. Never throws: git cannot undo a rollback that worked.
     */
    public String afterRollback(AppSpec app, Deployed bad, Deployed good, String actor) {
        if (app.gitops() == null || app.gitops().git() == null || bad == null) {
            return null;
        }
        synchronized (lockOf(app.name())) {
            pending.remove(app.name());
            return attempt(new Pending(app.name(), bad, good, actor, clock.instant(), null), app.gitops().git(),
                    false);
        }
    }

    /** One lock per app: a retry of one app's restore never holds up the rollback answer of another. */
    private Object lockOf(String app) {
        return appLocks.computeIfAbsent(app, a -> new Object());
    }

    /**
     * After a rollback that moved {@code app} from release {@code bad} to {@code good} (an app on this host): the
     * releases are recognised in git by their image reference when they have one, else by their version as a whole
     * word. {@code toRevision}: the good commit must name {@code good}; otherwise it is the one before the bad commit.
     */
    public String afterRollback(AppSpec app, Release bad, Release good, boolean toRevision, String actor) {
        if (bad == null || good == null || bad.revision() == good.revision()) {
            return null;
        }
        return afterRollback(app, marker(bad), toRevision ? marker(good) : null, actor);
    }

    private static Deployed marker(Release r) {
        return r.image() != null ? Deployed.Mentions.image(r.image().reference())
                : new Deployed.Mentions(List.of(r.version()));
    }

    /** Retries every pending restore whose time has come (the control plane's gitops ticker, leader only). */
    public void tick() {
        if (!resumed) {
            resume();
        }
        for (Pending queued : List.copyOf(pending.values())) {
            synchronized (lockOf(queued.app())) {
                Pending p = pending.get(queued.app()); // a rollback may have replaced it meanwhile
                if (p == null || clock.instant().isBefore(p.next())) {
                    continue;
                }
                GitOpsSpec.Git git = specs.get().app(p.app()).map(AppSpec::gitops).map(GitOpsSpec::git)
                        .orElse(null);
                if (git == null) {
                    pending.remove(p.app());
                    failed(p, "app " + p.app() + " no longer has a gitops.git section; its pending restore commit"
                            + " is dropped");
                    continue;
                }
                attempt(p, git, true);
            }
        }
    }

    /**
     * What {@code status} shows of the app's git: {@code pending} (with the reason and when it retries),
     * {@code restored} (with the SHA), {@code failed}, or {@code none} yet; null when the app has no git section.
     */
    public Map<String, Object> state(AppSpec app) {
        if (app.gitops() == null || app.gitops().git() == null) {
            return null;
        }
        if (!resumed) {
            resume();
        }
        GitOpsSpec.Git git = app.gitops().git();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", git.url());
        m.put("branch", git.branch());
        m.put("path", git.path());
        m.put("push", git.push().name().toLowerCase(java.util.Locale.ROOT));
        m.putAll(last.getOrDefault(app.name(), Map.of("state", "none")));
        return m;
    }

    private String attempt(Pending p, GitOpsSpec.Git git, boolean retry) {
        var request = new GitRestoreRequest(p.app(), git, p.bad(), p.good(), p.actor());
        try {
            GitRestoreResult r;
            try {
                r = restorer.restore(request);
            } catch (GitRestoreException e) {
                throw e;
            } catch (RuntimeException e) {
                // Not a failure the restorer described: its message is not shown (it could hold anything).
                throw GitRestoreException.unavailable("git failed unexpectedly (" + e.getClass().getSimpleName()
                        + ")");
            }
            pending.remove(p.app());
            Map<String, Object> data = new LinkedHashMap<>();
            if (r instanceof GitRestoreResult.Restored done) {
                data.put("sha", done.sha());
                data.put("ref", done.ref());
                data.put("good", done.good());
                data.put("bad", done.bad());
                data.put("rebuilt", done.rebuilt());
            } else {
                data.put("head", ((GitRestoreResult.NothingToDo) r).head());
            }
            String message = (retry ? "git caught up: " : "") + r.message();
            events.record(p.app(), null, p.actor(), EventKinds.GITOPS_GIT_RESTORED, message, data);
            remember(p.app(), "restored", message, data);
            return r.message();
        } catch (GitRestoreException e) {
            if (!e.retryable()) {
                pending.remove(p.app());
                failed(p, e.getMessage());
                return "restore commit not written: " + e.getMessage();
            }
            Instant next = clock.instant().plus(retryEvery);
            pending.put(p.app(), new Pending(p.app(), p.bad(), p.good(), p.actor(), next, e.getMessage()));
            if (!e.getMessage().equals(p.reason())) {
                // Once per distinct reason, not once per retry.
                Map<String, Object> data = new LinkedHashMap<>(PendingData.of(p.bad(), p.good()));
                data.put("reason", e.getMessage());
                events.record(p.app(), null, p.actor(), EventKinds.GITOPS_GIT_PENDING, "git has not caught up with"
                        + " the rollback of " + p.app() + " (the cluster runs the rolled-back release): "
                        + e.getMessage() + "; retrying every " + dev.deployguard.spec.Durations.format(retryEvery),
                        data);
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("retryAt", next.toString());
            remember(p.app(), "pending", e.getMessage(), data);
            return "git has not caught up yet (" + e.getMessage() + "); DeployGuard retries every "
                    + dev.deployguard.spec.Durations.format(retryEvery) + " and records gitops.git.restored when it"
                    + " does";
        }
    }

    private void failed(Pending p, String message) {
        events.record(p.app(), null, p.actor(), EventKinds.GITOPS_GIT_FAILED, message, Map.of());
        remember(p.app(), "failed", message, Map.of());
    }

    private void remember(String app, String state, String message, Map<String, Object> data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("message", message);
        m.put("at", clock.instant().toString());
        m.putAll(data);
        last.put(app, m);
    }

    /** Reads each app's latest gitops.git event: a pending one is retried, the others fill {@link #state}. */
    private synchronized void resume() {
        if (resumed) {
            return;
        }
        Map<String, Event> latest = new LinkedHashMap<>();
        long after = 0;
        for (List<Event> page = page(after); !page.isEmpty(); page = page(after)) {
            for (Event e : page) {
                after = Math.max(after, e.id());
                if (e.app() != null && e.kind().startsWith("gitops.git.")) {
                    latest.put(e.app(), e);
                }
            }
        }
        // What happened since this object was made (a rollback answered before the first tick) is newer: kept.
        latest.forEach((app, e) -> {
            if (last.containsKey(app) || pending.containsKey(app)) {
                return;
            }
            switch (e.kind()) {
                case EventKinds.GITOPS_GIT_PENDING -> PendingData.read(e.data()).ifPresent(m -> {
                    Object reason = e.data().get("reason");
                    pending.put(app, new Pending(app, m.bad(), m.good(), e.actor(), clock.instant(),
                            reason == null ? e.message() : reason.toString()));
                    remember(app, "pending", reason == null ? e.message() : reason.toString(), Map.of());
                });
                case EventKinds.GITOPS_GIT_RESTORED -> remember(app, "restored", e.message(), e.data());
                default -> remember(app, "failed", e.message(), Map.of());
            }
        });
        resumed = true;
    }

    private List<Event> page(long after) {
        return eventStore.events(null, after, Instant.EPOCH, 1000);
    }

    /** The markers of a pending restore as event data, and back. */
    static final class PendingData {
        private PendingData() {
        }

        static Map<String, Object> of(Deployed bad, Deployed good) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bad", marker(bad));
            if (good != null) {
                m.put("good", marker(good));
            }
            return m;
        }

        record Markers(Deployed bad, Deployed good) {
        }

        static Optional<Markers> read(Map<String, Object> data) {
            try {
                Deployed bad = marker(data.get("bad"));
                return bad == null ? Optional.empty() : Optional.of(new Markers(bad, marker(data.get("good"))));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        private static Map<String, Object> marker(Deployed d) {
            return d instanceof Deployed.Commit c ? Map.of("commit", c.sha())
                    : Map.of("mentions", ((Deployed.Mentions) d).needles());
        }

        private static Deployed marker(Object o) {
            if (!(o instanceof Map<?, ?> m)) {
                return null;
            }
            if (m.get("commit") instanceof String sha) {
                return new Deployed.Commit(sha);
            }
            if (m.get("mentions") instanceof List<?> list) {
                return new Deployed.Mentions(list.stream().map(String::valueOf).toList());
            }
            return null;
        }
    }
}
