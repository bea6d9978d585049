package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.deployment.DeploymentHistory;
import dev.deployguard.kubernetes.deployment.Revision;
import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen.Slot;
import dev.deployguard.kubernetes.progressive.SlotsView;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.SchemaGate;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code rollback} of a Kubernetes blue/green app with no rollout in progress, once a slot serves (before that the
 * app's own Deployment serves and is rolled back as any Deployment). As a local rollback: the target revision
 * (the previous one that served, or {@code --to-revision N}) comes back as a new revision, a copy of it, and the
 * revision rolled back from is marked ROLLED_BACK in history.
 *
 * <ul>
 *   <li><b>Warm</b>: the idle slot runs the target and all its replicas are ready: one update of the Service's
 *       selector switches users to it (as {@code kubectl argo rollouts undo} within the scale-down delay); the slot
 *       is stamped with the new revision (metadata only) and the slot rolled back from is scaled to 0, as after an
 *       abort.</li>
 *   <li><b>Cold</b>: the target's pod template (from a slot ReplicaSet, else the app's own Deployment's history)
 *       starts in the idle slot behind the preview Service; the request answers at once and the rollout runner
 *       ticks the rest ({@link KubernetesBlueGreenColdRollback}): users are switched once the slot has rolled out
 *       (within {@code rolloutTimeout}, else it is scaled back to 0 with {@code rollback.failed}). No template
 *       left: exit 2 naming the deploy to run, nothing changed.</li>
 * </ul>
 *
 * <p>The rollback is stored as a blue/green rollout record (stable: the revision rolled back from, canary: the new
 * one, outcome {@code rollback to revision N ...} once done) so history and the next deploy's numbering read it
 * like any other; {@link #target(Rollout)} tells such a record apart. Compare Argo Rollouts
 * (argoproj/argo-rollouts, rollout/bluegreen.go): the active Service is switched only to an available ReplicaSet.
 */
final class KubernetesBlueGreenRollback {
    static final String OUTCOME = "rollback to revision ";
    /** How many of the app's events a refused rollback reads to name the version to deploy again. */
    private static final int EVENTS_SEARCHED = 5_000;
    private static final Pattern TARGET = Pattern.compile("^" + OUTCOME + "(\\d+)\\b");

    private final Store store;
    private final EventLog events;
    private final Clock clock;
    private final Function<KubernetesSpec, KubernetesClient> clients;

    KubernetesBlueGreenRollback(Store store, EventLog events, Clock clock,
                                Function<KubernetesSpec, KubernetesClient> clients) {
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.clients = clients;
    }


    /** For a rollout record this class wrote: the revision it restored (its copy is the record's canary). */
    static Optional<Integer> target(Rollout r) {
        if (r.outcome() == null || r.phase() != Rollout.Phase.SUCCEEDED) {
            return Optional.empty();
        }
        Matcher m = TARGET.matcher(r.outcome());
        return m.find() ? Optional.of(Integer.valueOf(m.group(1))) : Optional.empty();
    }

    /**
     * Rolls {@code app} back on its slots; empty (nothing done) while its Service selects no slot yet, so the
     * caller rolls back the app's own Deployment as before. The caller holds the app's lock.
     *
     * @param ownHistory the app's own Deployment's revisions (as {@code history} lists them)
     * @param runner     ticks a cold rollback until its slot has rolled out
     */
    Optional<DeployResult> rollback(AppSpec app, KubernetesClient client,
                                    Function<KubernetesClient, List<Release>> ownHistory, Integer toRevision,
                                    String reason, String actor, SchemaGate schemaGate, boolean forceSchema,
                                    RolloutRunner runner) {
        KubernetesSpec k = app.kubernetes();
        KubernetesBlueGreen bg = new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), k));
        SlotsView view = bg.observe(k.container());
        if (view.active() == null) {
            return Optional.empty();
        }
        Map<String, Object> history = new KubernetesBlueGreenStatus(store).history(app, client, ownHistory);
        @SuppressWarnings("unchecked")
        List<Release> rows = (List<Release>) history.get("releases");
        Slot live = view.active();
        Integer from = slotRevision(history, live);
        if (from == null) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot tell which revision slot " + live.label() + " ("
                    + k.namespace() + "/" + bg.slotDeployment(live) + ") runs: it has no deployguard.dev/revision;"
                    + " deploy again, or roll back with kubectl");
        }
        Release current = rows.stream().filter(r -> r.revision() == from).findFirst().orElse(null);
        Release target;
        try {
            target = target(app.name(), rows, from, toRevision);
        } catch (DeployGuardException e) {
            events.record(app.name(), toRevision, actor, EventKinds.ROLLBACK_FAILED, e.getMessage());
            throw e;
        }
        // Before any slot or Service moves: the same schema gate as every other rollback path.
        Optional<String> schema = schemaGate.beforeRollback(app, target, current, forceSchema, actor);
        int next = Math.max(rows.stream().mapToInt(Release::revision).max().orElse(0),
                store.rollouts(app.name(), 1).stream().mapToInt(Rollout::canaryRevision).max().orElse(0)) + 1;
        String cause = reason != null && !reason.isBlank() ? reason : "Rollback to " + target.revision();
        Slot idle = live.other();
        SlotsView.SlotState idleState = view.slots().stream().filter(s -> s.slot() == idle).findFirst().orElse(null);
        boolean warm = idleState != null && Integer.valueOf(target.revision()).equals(slotRevision(history, idle))
                && idleState.desired() > 0 && idleState.ready() >= idleState.desired() && idleState.rolledOut();
        Map<String, Object> fromTo = Map.of("from", from, "to", target.revision(), "revision", next);
        String version = versionOf(app.name(), target);
        try {
            if (!warm) {
                template(bg, client, k, app.name(), target.revision(), version); // refused here, before any change
            }
        } catch (DeployGuardException e) {
            events.record(app.name(), target.revision(), actor, EventKinds.ROLLBACK_FAILED, e.getMessage(), fromTo);
            throw e;
        }
        events.record(app.name(), next, actor, EventKinds.ROLLBACK_STARTED, "rolling back from revision " + from
                + (current == null ? "" : " (" + current.version() + ")") + " to revision " + target.revision()
                + " (" + target.version() + ") as revision " + next + ": " + (warm ? "slot " + idle.label()
                + " still runs it warm, switching Service " + where(k) + " to it"
                : "starting its pod template in slot " + idle.label() + "; users stay on slot " + live.label()
                + " until it has rolled out") + (reason == null ? "" : " (" + reason + ")"), fromTo);
        if (!warm) {
            return Optional.of(new KubernetesBlueGreenColdRollback(events, clock, clients).begin(runner, app,
                    new KubernetesBlueGreenColdRollback.Cold(from, target.revision(), next, idle, version, cause,
                            reason, actor), current, schema));
        }
        try {
            long started = System.nanoTime();
            bg.switchTo(idle);
            long switchMillis = (System.nanoTime() - started) / 1_000_000;
            events.record(app.name(), next, actor, EventKinds.TRAFFIC_SWITCHED, "Service " + where(k) + " selects slot "
                    + idle.label() + " (revision " + next + ", a copy of revision " + target.revision() + ")",
                    Map.of("slot", idle.label(), "weight", Track.FULL, "switchMillis", switchMillis));
            bg.stamp(idle, cause, next, target.revision(), actor);
            Instant now = clock.instant();
            store.saveRollout(new Rollout(0, app.name(), RolloutKind.BLUE_GREEN, from, next, Rollout.Phase.SUCCEEDED,
                    0, Track.FULL, now, now, null, null, OUTCOME + target.revision() + " by " + actor
                    + (reason == null ? "" : ": " + reason)), now);
            bg.scaleDownIdle();
            String msg = "rolled back " + app.name() + " to " + target.version() + " (revision " + next
                    + ", a copy of revision " + target.revision() + "): Service " + where(k) + " selects slot "
                    + idle.label() + "; slot " + live.label() + " (revision " + from + ") is scaled to 0; "
                    + "warm switch took " + switchMillis + " ms";
            Map<String, Object> data = new LinkedHashMap<>(fromTo);
            data.put("warm", true);
            data.put("switchMillis", switchMillis);
            events.record(app.name(), next, actor, EventKinds.ROLLBACK_SUCCEEDED, msg, data);
            Release deployed = new Release(app.name(), next, target.version(), List.of(), Map.of(), 0, null, cause,
                    actor, now, ReleaseStatus.DEPLOYED, target.revision());
            return Optional.of(new DeployResult(deployed, from, switchMillis,
                    schema.map(line -> msg + "\n" + line).orElse(msg)));
        } catch (DeployGuardException e) {
            events.record(app.name(), next, actor, EventKinds.ROLLBACK_FAILED, e.getMessage(), fromTo);
            throw e;
        }
    }

    /** The revision the history answer says {@code slot} runs. */
    private static Integer slotRevision(Map<String, Object> history, Slot slot) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> slots = (List<Map<String, Object>>) history.get("slots");
        return slots.stream().filter(s -> slot.label().equals(s.get("slot"))).map(s -> (Integer) s.get("revision"))
                .findFirst().orElse(null);
    }

    /** {@code --to-revision N} (exit 6 when unknown), else the newest earlier revision that served, as locally. */
    private static Release target(String app, List<Release> rows, int from, Integer toRevision) {
        if (toRevision != null) {
            Release t = rows.stream().filter(r -> r.revision() == toRevision).findFirst().orElseThrow(() ->
                    DeployGuardException.notFound("app '" + app + "' has no revision " + toRevision + "; it has "
                            + rows.stream().map(r -> Integer.toString(r.revision())).toList()
                            + " (see: deployguard history " + app + ")"));
            if (t.revision() == from) {
                throw DeployGuardException.badInput("revision " + from + " is already serving " + app
                        + "; nothing to roll back");
            }
            return t;
        }
        return rows.stream().filter(r -> r.revision() < from && r.status() == ReleaseStatus.SUPERSEDED)
                .reduce((a, b) -> b).orElseThrow(() -> new DeployGuardException(ExitCode.FAILURE, "app '" + app
                        + "' has no earlier revision that served before revision " + from + "; nothing to roll back"
                        + " to (see: deployguard history " + app + ")"));
    }

    /**
     * The target's pod template: from a slot ReplicaSet stamped with it, else the app's own Deployment's revision of
     * that number; refused (exit 2) with the deploy to run when the cluster no longer has it.
     */
    static PodTemplateSpec template(KubernetesBlueGreen bg, KubernetesClient client, KubernetesSpec k,
                                            String app, int revision, String version) {
        Optional<PodTemplateSpec> recorded = bg.recordedTemplate(revision);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        String own = k.deploymentName(app);
        try {
            for (Revision r : new DeploymentHistory(client).list(k.namespace(), own)) {
                if (r.number() == revision) {
                    return r.template();
                }
            }
        } catch (DeployGuardException e) {
            if (e.exitCode() != ExitCode.NOT_FOUND) {
                throw e;
            }
        }
        throw DeployGuardException.badInput("revision " + revision + " (" + version + ") of " + app
                + " cannot be started again: its ReplicaSet is gone from the slots and from deployment "
                + k.namespace() + "/" + own + " (revisionHistoryLimit); deploy it anew instead: deployguard deploy "
                + app + " --version " + ("unknown".equals(version) ? "<version>" : version));
    }

    /**
     * The target's version; once its ReplicaSet is gone the cluster no longer knows it, but the rollout that made
     * it said so when it started ({@code rollout.started}: its {@code version}, or, in events written before the
     * version was kept in the data, the message's "... rollout of V (revision N) ...").
     */
    private String versionOf(String app, Release target) {
        if (!"unknown".equals(target.version())) {
            return target.version();
        }
        Pattern started = Pattern.compile("rollout of (\\S+) \\(revision " + target.revision() + "\\)");
        return store.events(app, 0, null, EVENTS_SEARCHED).stream()
                .filter(e -> "rollout.started".equals(e.kind()) && Integer.valueOf(target.revision())
                        .equals(e.revision()))
                .map(e -> {
                    if (e.data() != null && e.data().get("version") != null) {
                        return e.data().get("version").toString();
                    }
                    Matcher m = started.matcher(e.message());
                    return m.find() ? m.group(1) : null;
                }).filter(java.util.Objects::nonNull)
                .reduce((a, b) -> b).orElse("unknown");
    }

    static String where(KubernetesSpec k) {
        return k.namespace() + "/" + k.service();
    }
}
