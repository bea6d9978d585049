package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen.Slot;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The cold path of {@link KubernetesBlueGreenRollback} (the target revision's slot was scaled to 0): the rollback
 * is a blue/green rollout record waiting ({@link Waiting.Preparing}) that the rollout runner ticks, as a deploy's
 * slot is prepared ({@link KubernetesBlueGreenRollouts#prepare}). The request starts the slot and answers at once;
 * each tick asks whether the slot has rolled out and, once it has, switches users to it and scales the slot rolled
 * back from to 0, and the record ends SUCCEEDED ({@link #prepared}); at the deadline ({@code rolloutTimeout}) the
 * slot is scaled back to 0 and {@code rollback.failed} says why ({@link #giveUp}); a restarted control plane goes
 * on where it was. No thread waits for the cluster.
 */
final class KubernetesBlueGreenColdRollback {
    /** The plan's keys (besides the change-cause and actor of {@link ClusterBlueGreenTarget}). */
    private static final String ROLLBACK_TO = "rollbackTo";
    private static final String TARGET_VERSION = "rollbackVersion";
    private static final String SLOT = "slot";
    private static final String REASON = "reason";

    private final EventLog events;
    private final Clock clock;
    private final Function<KubernetesSpec, KubernetesClient> clients;

    KubernetesBlueGreenColdRollback(EventLog events, Clock clock, Function<KubernetesSpec, KubernetesClient> clients) {
        this.events = events;
        this.clock = clock;
        this.clients = clients;
    }

    /** Whether {@code p} prepares a cold rollback (rather than a deploy's new slot). */
    static boolean isRollback(Waiting.Preparing p) {
        return p.plan().containsKey(ROLLBACK_TO);
    }

    /** A cold rollback: from the revision serving, to the one restored, as {@code next}, in {@code slot}. */
    record Cold(int from, int to, int next, Slot slot, String version, String cause, String reason, String actor) {
        Map<String, Object> data() {
            return Map.of("from", from, "to", to, "revision", next);
        }
    }

    /**
     * Records the cold rollback as a rollout the runner prepares ({@link #prepare} starts the slot at once, in this
     * request) and answers: done when the slot was ready at once, else what it waits for.
     */
    DeployResult begin(RolloutRunner runner, AppSpec app, Cold c, Release current, Optional<String> schema) {
        if (runner == null) {
            throw new DeployGuardException(ExitCode.FAILURE, "this control plane runs no rollouts, so it cannot"
                    + " start slot " + c.slot().label() + " again for the rollback; roll back with kubectl");
        }
        KubernetesSpec k = app.kubernetes();
        String slotDeployment = CanaryRoutes.workload(app.name(), k).deployment() + "-" + c.slot().label();
        Map<String, String> plan = new LinkedHashMap<>(Map.of(ROLLBACK_TO, Integer.toString(c.to()),
                TARGET_VERSION, c.version(), SLOT, c.slot().label(), ClusterBlueGreenTarget.CHANGE_CAUSE, c.cause(),
                ClusterBlueGreenTarget.ACTOR, c.actor()));
        if (c.reason() != null) {
            plan.put(REASON, c.reason());
        }
        plan.put(RolloutRunner.CHANGE, "the rollback of " + app.name() + " to " + c.version() + " (revision " + c.next()
                + ", a copy of revision " + c.to() + ")");
        Waiting.Preparing preparing = new Waiting.Preparing("slot " + c.slot().label() + " (" + k.namespace() + "/"
                + slotDeployment + ") to roll out revision " + c.to() + "'s pod template for the rollback (as revision "
                + c.next() + "; users stay on slot " + c.slot().other().label() + ")",
                clock.instant().plus(k.rolloutTimeout()), plan);
        Release next = new Release(app.name(), c.next(), c.version(), List.of(), Map.of(), 0, null, c.cause(),
                c.actor(), clock.instant(), ReleaseStatus.PROGRESSING, c.to());
        Release stable = current != null ? current : new Release(app.name(), c.from(), "unknown", List.of(),
                Map.of(), 0, null, null, c.actor(), clock.instant(), ReleaseStatus.DEPLOYED, null);
        Rollout r;
        try {
            r = runner.begin(next, stable, app, c.actor(), preparing);
        } catch (DeployGuardException e) {
            events.record(app.name(), c.next(), c.actor(), EventKinds.ROLLBACK_FAILED, e.getMessage(), c.data());
            throw e;
        }
        String msg = r.phase().isDone() ? "rolled back " + app.name() + " to " + c.version() + " (revision "
                + c.next() + ", a copy of revision " + c.to() + "): Service " + KubernetesBlueGreenRollback.where(k)
                + " selects slot " + c.slot().label() + "; slot " + c.slot().other().label() + " (revision " + c.from()
                + ") is scaled to 0; cold: the slot was started again first"
                : "rolling back " + app.name() + " to " + c.version() + " (revision " + c.next() + ", a copy of"
                + " revision " + c.to() + ") in slot " + c.slot().label() + "; preparing: waiting for "
                + preparing.text() + "; follow it with: deployguard status " + app.name() + " --watch";
        Release answer = r.phase().isDone() ? next.withStatus(ReleaseStatus.DEPLOYED) : next;
        return new DeployResult(answer, c.from(), 0, schema.map(line -> msg + "\n" + line).orElse(msg));
    }

    /**
     * A tick of a cold rollback (also its first call, in the request): the target's template started in the slot
     * (once), then, once that slot has rolled out, users switched to it and the slot rolled back from scaled to 0.
     * Idempotent for a restarted control plane: a switch already made is not made again. Never waits.
     */
    RolloutTarget.Progress prepare(AppSpec app, Rollout r, Waiting.Preparing p) {
        KubernetesSpec k = app.kubernetes();
        Cold c = cold(r, p);
        long switchMillis = 0;
        try (KubernetesClient client = clients.apply(k)) {
            KubernetesBlueGreen bg = new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), k));
            if (bg.live().filter(c.slot()::equals).isEmpty()) {
                if (bg.previewing(c.next()).isEmpty()) {
                    bg.deployTemplate(KubernetesBlueGreenRollback.template(bg, client, k, app.name(), c.to(),
                            c.version()), c.cause(), c.next(), c.to(), c.actor());
                }
                if (!bg.ready(c.slot())) {
                    return RolloutTarget.Progress.NOT_YET;
                }
                events.record(app.name(), c.next(), c.actor(), "preview.started", "revision " + c.next()
                        + " (a copy of revision " + c.to() + ") rolled out in slot " + c.slot().label()
                        + " behind Service " + k.namespace() + "/" + bg.previewService());
                long started = System.nanoTime();
                bg.switchTo(c.slot());
                switchMillis = (System.nanoTime() - started) / 1_000_000;
                events.record(app.name(), c.next(), c.actor(), EventKinds.TRAFFIC_SWITCHED, "Service "
                        + KubernetesBlueGreenRollback.where(k) + " selects slot " + c.slot().label() + " (revision "
                        + c.next() + ", a copy of revision " + c.to() + ")", Map.of("slot", c.slot().label(),
                                "weight", Track.FULL, "switchMillis", switchMillis));
            }
            bg.scaleDownIdle();
        }
        Map<String, Object> data = new LinkedHashMap<>(c.data());
        data.put("warm", false);
        data.put("switchMillis", switchMillis);
        events.record(app.name(), c.next(), c.actor(), EventKinds.ROLLBACK_SUCCEEDED, "rolled back " + app.name()
                + " to " + c.version() + " (revision " + c.next() + ", a copy of revision " + c.to() + "): Service "
                + KubernetesBlueGreenRollback.where(k) + " selects slot " + c.slot().label() + "; slot "
                + c.slot().other().label() + " (revision " + c.from() + ") is scaled to 0; cold: the slot was started"
                + " again first", data);
        return RolloutTarget.Progress.DONE;
    }

    /** The rollback's record once its slot serves: a finished rollout {@link #target(Rollout)} recognises. */
    Rollout prepared(Rollout r, Waiting.Preparing p) {
        Cold c = cold(r, p);
        return r.toBuilder().phase(Rollout.Phase.SUCCEEDED).weight(Track.FULL).waiting(null)
                .outcome(KubernetesBlueGreenRollback.OUTCOME + c.to() + " by " + c.actor()
                        + (c.reason() == null ? "" : ": " + c.reason()))
                .build();
    }

    /**
     * Whether the rollout {@code r} ending now is a cold rollback (its preview slot is the copy it started): then
     * {@link #giveUp} ends it rather than a deploy's abort. Read from the slot, so a restarted control plane knows.
     */
    boolean isRollback(AppSpec app, Rollout r) {
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            return new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), app.kubernetes()))
                    .rollbackCopyOf(r.canaryRevision()).isPresent();
        }
    }

    /**
     * A cold rollback given up (its deadline passed, or an operator aborted it): the slot it started is scaled to 0,
     * users stay on the slot they were on, and {@code rollback.failed} says why and where to look.
     */
    void giveUp(AppSpec app, Rollout r, String reason, String actor) {
        KubernetesSpec k = app.kubernetes();
        try (KubernetesClient client = clients.apply(k)) {
            KubernetesBlueGreen bg = new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), k));
            int to = bg.rollbackCopyOf(r.canaryRevision()).orElse(r.stableRevision());
            Slot live = bg.live().orElseThrow();
            if (live == bg.observe(k.container()).preview()) {
                // Users were switched to the restored slot before the control plane stopped and this ending came
                // past the deadline: switching back could meet a slot already scaled to 0; they stay where they are.
                bg.scaleDownIdle();
                events.record(app.name(), r.canaryRevision(), actor, EventKinds.ROLLBACK_SUCCEEDED, "rolled back "
                        + app.name() + " to revision " + to + " (revision " + r.canaryRevision() + "): users were"
                        + " switched to slot " + live.label() + " before the control plane stopped; it stays", Map.of(
                        "from", r.stableRevision(), "to", to, "revision", r.canaryRevision(), "warm", false));
                return;
            }
            bg.abort();
            Slot slot = bg.live().orElse(live).other();
            events.record(app.name(), r.canaryRevision(), actor, EventKinds.ROLLBACK_FAILED, "rollback of "
                    + app.name() + " to revision " + to + " failed: " + reason + "; slot " + slot.label() + " ("
                    + k.namespace() + "/" + bg.slotDeployment(slot) + ") was scaled to 0 and users stay on slot "
                    + slot.other().label() + " (revision " + r.stableRevision() + "); see: kubectl describe"
                    + " deployment/" + bg.slotDeployment(slot) + " -n " + k.namespace(), Map.of("from",
                            r.stableRevision(), "to", to, "revision", r.canaryRevision()));
        }
    }

    private static Cold cold(Rollout r, Waiting.Preparing p) {
        Map<String, String> plan = p.plan();
        return new Cold(r.stableRevision(), Integer.parseInt(plan.get(ROLLBACK_TO)), r.canaryRevision(),
                Slot.of(plan.get(SLOT)).orElseThrow(), plan.get(TARGET_VERSION),
                plan.get(ClusterBlueGreenTarget.CHANGE_CAUSE), plan.get(REASON),
                plan.get(ClusterBlueGreenTarget.ACTOR));
    }
}
