package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.deployment.DeploymentHistory;
import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.kubernetes.deployment.Revision;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.gitops.ArgoApplication;
import dev.deployguard.kubernetes.gitops.Controller;
import dev.deployguard.kubernetes.gitops.FightWatch;
import dev.deployguard.kubernetes.gitops.FluxSuspension;
import dev.deployguard.kubernetes.gitops.Owner;
import dev.deployguard.kubernetes.gitops.OwnerDetection;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.GitOpsSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Rollback of a Kubernetes app that Argo CD or Flux owns, without fighting the owner: Argo CD Applications are rolled
 * back by Argo CD itself ({@code .operation}, a sync to an earlier history entry); Flux-owned apps are rolled back as
 * any app once the Kustomization/HelmRelease is suspended. An owner whose automation would undo the rollback is
 * refused or paused first, as {@code gitops.autoSync} says. Afterwards the Deployment is watched for
 * {@code gitops.fightWindow}; a field changed back is a {@code gitops.fight} event (notified) and gets the
 * {@code gitops.onFight} response.
 */
final class GitOpsRollback {
    private final EventLog events;
    private final Clock clock;
    private final RolloutWaiter.Pause pause;
    private final Duration pollEvery;

    GitOpsRollback(EventLog events, Clock clock, RolloutWaiter.Pause pause, Duration pollEvery) {
        this.events = events;
        this.clock = clock;
        this.pause = pause;
        this.pollEvery = pollEvery;
    }

    /** The owner of {@code object} (a Deployment, a Helm release's Deployment), read live; empty when none. */
    static Optional<Owner> owner(KubernetesClient client, AppSpec app, HasMetadata object) {
        return new OwnerDetection(client, app.gitops().argocdNamespace()).detect(object);
    }

    /** What a rollback does on the cluster once the owner is out of the way: the plain (kubectl undo) rollback. */
    interface Undo {
        DeployResult run();
    }

    /**
     * Rolls back {@code deployment}, owned by {@code owner}. {@code undo} is the plain rollback (used for Flux-owned
     * apps and owners DeployGuard cannot name); {@code rolledOut} waits for the Deployment's rollout and gives the
     * result once Argo CD synced.
     */
    DeployResult rollback(AppSpec app, KubernetesClient client, Deployment deployment, Owner owner, Integer toRevision,
                          String reason, String actor, Undo undo, Supplier<DeployResult> rolledOut) {
        GitOpsSpec policy = app.gitops();
        if (!owner.named()) {
            events.record(app.name(), null, actor, EventKinds.GITOPS_OWNER, "deployment "
                    + deployment.getMetadata().getName() + " is " + owner.describe() + "; DeployGuard cannot pause"
                    + " an owner it cannot name, so it rolls back and watches for a fight");
            FightWatch.Expected expected = afterUndo(client, app, deployment, toRevision);
            return watched(app, client, deployment, owner, undo.run(), expected, undo, actor);
        }
        if (!owner.exists()) {
            throw DeployGuardException.notFound("deployment " + deployment.getMetadata().getNamespace() + "/"
                    + deployment.getMetadata().getName() + " is " + owner.describe() + "; nothing was rolled back."
                    + " Fix or remove the marks (" + owner.evidence() + "), or create the " + owner.controller()
                    .kind() + " again");
        }
        boolean paused = false;
        if (owner.automation().automated()) {
            if (policy.autoSync() == GitOpsSpec.AutoSync.REFUSE) {
                throw DeployGuardException.badInput("app '" + app.name() + "' is " + owner.describe() + ": a"
                        + " rollback beside it would be undone. Nothing was changed. Set gitops.autoSync: pause in"
                        + " the spec to let DeployGuard pause it and record that, or " + howToPause(owner));
            }
            pauseOwner(client, app, owner, actor, "before rolling back");
            paused = true;
        }
        boolean isArgo = owner.controller() == Controller.ARGO_CD_APPLICATION;
        FightWatch.Expected[] expected = {isArgo ? null : afterUndo(client, app, deployment, toRevision)};
        DeployResult result = isArgo ? argo(app, client, deployment, owner, toRevision, reason, actor, rolledOut,
                expected) : undo.run();
        if (owner.controller() != Controller.ARGO_CD_APPLICATION && (paused || owner.automation().suspended())) {
            result = staysSuspended(owner, result);
        }
        Undo again = isArgo ? () -> argo(app, client, deployment, owner, toRevision, reason, actor, rolledOut,
                new FightWatch.Expected[1]) : undo;
        return watched(app, client, deployment, owner, result, expected[0], again, actor);
    }

    /**
     * Before DeployGuard changes an owned app for {@code purpose} (a drill): refuses or pauses an owner whose
     * automation would undo it, as {@code gitops.autoSync} says; an owner it cannot name or that is missing is refused.
     */
    void hold(AppSpec app, KubernetesClient client, Owner owner, String actor, String purpose) {
        if (!owner.named() || !owner.exists()) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is " + owner.describe() + "; DeployGuard"
                    + " cannot pause that owner, so it will not " + purpose + " beside it");
        }
        if (!owner.automation().automated()) {
            return;
        }
        if (app.gitops().autoSync() == GitOpsSpec.AutoSync.REFUSE) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is " + owner.describe() + ": it would undo"
                    + " a " + purpose + ". Nothing was changed. Set gitops.autoSync: pause in the spec to let"
                    + " DeployGuard pause it and record that, or " + howToPause(owner));
        }
        pauseOwner(client, app, owner, actor, "before a " + purpose);
    }

    private DeployResult argo(AppSpec app, KubernetesClient client, Deployment deployment, Owner owner,
                              Integer toRevision, String reason, String actor, Supplier<DeployResult> rolledOut,
                              FightWatch.Expected[] expected) {
        ArgoApplication argo = new ArgoApplication(client);
        ArgoApplication.RollbackRequest r = argo.rollback(owner.namespace(), owner.name(),
                toRevision == null ? null : toRevision.longValue(), actor, reason);
        events.record(app.name(), null, actor, EventKinds.ROLLBACK_STARTED, r.message() + (reason == null ? ""
                : ": " + reason), Map.of("owner", owner.title(), "fromHistoryId", r.from().id(), "toHistoryId",
                r.to().id(), "revision", r.to().revision()));
        ArgoApplication.OperationResult op = argo.awaitOperation(owner.namespace(), owner.name(), clock, pause,
                pollEvery, app.kubernetes().rolloutTimeout());
        if (!op.succeeded()) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, r.message() + ", but Argo CD's sync "
                    + (op.finished() ? "ended " + op.phase() + ": " + op.message() : "did not finish: "
                    + op.message()) + "; see: kubectl get application " + owner.name() + " -n "
                    + owner.namespace() + " -o yaml");
        }
        // What Argo CD applied for the rollback is what must stay: read it before anything can change it back.
        expected[0] = live(client, app, deployment);
        DeployResult done = rolledOut.get();
        String text = "Argo CD Application " + owner.namespace() + "/" + owner.name() + " synced history entry "
                + r.to().id() + " (" + r.to().shortRevision() + ") again; " + done.message()
                + ". It is OutOfSync with git until git deploys " + r.to().shortRevision() + " again";
        return new DeployResult(done.release(), done.previousRevision(), done.switchMillis(), text);
    }

    /** The answer, saying that the Flux owner stays suspended and how to resume it once git is fixed. */
    static DeployResult staysSuspended(Owner owner, DeployResult result) {
        return new DeployResult(result.release(), result.previousRevision(), result.switchMillis(),
                result.message() + "; " + owner.title() + " stays suspended: resuming it now would apply git's"
                        + " current revision again. Once git deploys the good revision: flux resume "
                        + (owner.controller() == Controller.FLUX_KUSTOMIZATION ? "kustomization" : "helmrelease")
                        + " " + owner.name() + " -n " + owner.namespace());
    }

    /** Watches {@code workload} for a fight, expecting what it runs now (just after the rollback). */
    DeployResult watchLive(AppSpec app, KubernetesClient client, Deployment workload, Owner owner,
                           DeployResult result, Undo again, String actor) {
        return watched(app, client, workload, owner, result, live(client, app, workload), again, actor);
    }

    /**
     * What the plain rollback sets: the target revision's image (the one asked for, else the one before the
     * serving one, as kubectl picks it) and the replicas as they are (a rollback does not change them).
     */
    private static FightWatch.Expected afterUndo(KubernetesClient client, AppSpec app, Deployment d,
                                                 Integer toRevision) {
        String ns = d.getMetadata().getNamespace();
        String name = d.getMetadata().getName();
        try {
            Revision target = DeploymentRollback.target(new DeploymentHistory(client).list(ns, name),
                    toRevision == null ? null : toRevision.longValue(), ns, name);
            return new FightWatch.Expected(app.kubernetes().container(), image(target.template().getSpec()
                    .getContainers(), app.kubernetes().container()), d.getSpec().getReplicas());
        } catch (DeployGuardException e) {
            return null; // the rollback itself reports the missing revision
        }
    }

    private static FightWatch.Expected live(KubernetesClient client, AppSpec app, Deployment d) {
        Deployment now = client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                .withName(d.getMetadata().getName()).get();
        return now == null ? null : new FightWatch.Expected(app.kubernetes().container(),
                image(now.getSpec().getTemplate().getSpec().getContainers(), app.kubernetes().container()),
                now.getSpec().getReplicas());
    }

    private static String image(List<Container> containers, String container) {
        return containers.stream().filter(c -> container == null || container.equals(c.getName())).findFirst()
                .map(Container::getImage).orElse(null);
    }

    private DeployResult watched(AppSpec app, KubernetesClient client, Deployment before, Owner owner,
                                 DeployResult result, FightWatch.Expected expected, Undo again, String actor) {
        Duration window = app.gitops().fightWindow();
        if (window.isZero() || expected == null) {
            return result;
        }
        String ns = before.getMetadata().getNamespace();
        String name = before.getMetadata().getName();
        Optional<FightWatch.Fight> fight = new FightWatch(client, clock, pause, pollEvery).watch(ns, name, expected,
                window);
        if (fight.isEmpty()) {
            return result;
        }
        FightWatch.Fight f = fight.get();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("field", f.field());
        data.put("expected", f.expected());
        data.put("actual", f.actual());
        data.put("manager", f.manager() == null ? "unknown" : f.manager());
        data.put("owner", owner.title());
        data.put("response", app.gitops().onFight().name().toLowerCase(java.util.Locale.ROOT));
        String text = "deployment " + ns + "/" + name + ": " + f.describe(owner);
        events.record(app.name(), null, actor, EventKinds.GITOPS_FIGHT, text, data);
        switch (app.gitops().onFight()) {
            case ALERT -> {
                return new DeployResult(result.release(), result.previousRevision(), result.switchMillis(),
                        result.message() + "; WARNING: " + text + " (gitops.onFight: alert)");
            }
            case REFUSE -> throw failed(app, actor, "the rollback did not hold: " + text + ". " + owner.describe()
                    + "; " + howToPause(owner) + ", then roll back again");
            default -> {
                if (!owner.named() || !owner.exists()) {
                    throw failed(app, actor, "the rollback did not hold: " + text + "; gitops.onFight is pause, but"
                            + " no label names the owner, so DeployGuard cannot pause it. " + owner.describe());
                }
                pauseOwner(client, app, owner, actor, "after it changed " + f.field() + " back");
                DeployResult redo = again.run();
                return new DeployResult(redo.release(), redo.previousRevision(), redo.switchMillis(),
                        redo.message() + "; " + owner.title() + " changed " + f.field() + " back, so DeployGuard"
                                + " paused it and rolled back again (gitops.onFight: pause)");
            }
        }
    }

    /** The rollback ran but did not hold: recorded (and so notified) as a failed rollback. */
    private DeployGuardException failed(AppSpec app, String actor, String message) {
        events.record(app.name(), null, actor, EventKinds.ROLLBACK_FAILED, message);
        return new DeployGuardException(ExitCode.DEPLOY_FAILED, message);
    }

    private void pauseOwner(KubernetesClient client, AppSpec app, Owner owner, String actor, String when) {
        String how;
        if (owner.controller() == Controller.ARGO_CD_APPLICATION) {
            ArgoApplication.Pause p = new ArgoApplication(client).pauseAutoSync(owner.namespace(), owner.name());
            how = p.how();
        } else {
            boolean changed = new FluxSuspension(client, clock).suspend(owner.controller(), owner.namespace(),
                    owner.name(), "rollback of " + app.name() + " by " + actor);
            how = changed ? "spec.suspend set to true" : "it was already suspended";
        }
        events.record(app.name(), null, actor, EventKinds.GITOPS_PAUSED, "paused " + owner.title() + " " + when
                + ": " + how, Map.of("owner", owner.title(), "how", how));
    }

    static String howToPause(Owner owner) {
        return switch (owner.controller()) {
            case ARGO_CD_APPLICATION -> "turn auto-sync off yourself: argocd app set " + owner.name()
                    + " --sync-policy none" + (owner.namespace() == null ? "" : " (Application namespace "
                    + owner.namespace() + ")");
            case FLUX_KUSTOMIZATION -> "suspend it yourself: flux suspend kustomization " + owner.name() + " -n "
                    + owner.namespace();
            case FLUX_HELM_RELEASE -> "suspend it yourself: flux suspend helmrelease " + owner.name() + " -n "
                    + owner.namespace();
        };
    }
}
