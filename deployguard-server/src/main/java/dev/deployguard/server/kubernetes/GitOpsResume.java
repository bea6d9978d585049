package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.kubernetes.gitops.ArgoApplication;
import dev.deployguard.kubernetes.gitops.Controller;
import dev.deployguard.kubernetes.gitops.FluxSuspension;
import dev.deployguard.kubernetes.gitops.Owner;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.gitops.GitCatchUp;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.GitOpsSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code deployguard gitops resume APP}: turns back on the automation a rollback paused (Argo CD auto-sync, Flux
 * {@code spec.suspend}), only once git no longer deploys the bad revision. The owner's own {@code resumeIfSafe}
 * decides (the controller tracks another revision than at pause time); with a {@code gitops.git} section git is asked
 * too, through the control plane's restorer ({@link GitRestorer#headDeploys}): the app's path at the branch's head
 * must no longer have its tree at the paused-from revision. Otherwise it refuses, naming what git still deploys;
 * {@code force} resumes anyway and records that it did, and why it would have refused. Only automation that
 * DeployGuard itself paused is ever resumed.
 */
final class GitOpsResume {
    private final EventLog events;
    private final Clock clock;
    /** The control plane's restore-commit writer; null when not wired (git is then not asked). */
    private final GitCatchUp git;

    GitOpsResume(EventLog events, Clock clock, GitCatchUp git) {
        this.events = events;
        this.clock = clock;
        this.git = git;
    }

    /** The answer of the API: {@code app}, {@code owner}, {@code resumed}, {@code forced}, {@code message}. */
    Map<String, Object> resume(AppSpec app, KubernetesClient client, Owner owner, boolean force, String actor) {
        if (!owner.named()) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is " + owner.describe() + "; DeployGuard"
                    + " cannot name that owner, so it paused nothing and has nothing to resume");
        }
        if (!owner.exists()) {
            throw DeployGuardException.notFound("app '" + app.name() + "' is " + owner.describe() + ", which does"
                    + " not exist; nothing to resume");
        }
        GitOpsSpec.Git where = app.gitops() == null ? null : app.gitops().git();
        GitRestorer restorer = git == null || where == null ? null : git.restorer();
        Verdict v = owner.controller() == Controller.ARGO_CD_APPLICATION ? argo(client, owner, restorer, where)
                : flux(client, owner, restorer, where);
        if (!v.resumed() && !(force && v.forcible())) {
            throw DeployGuardException.badInput("not resumed: " + owner.title() + ": " + v.why() + pendingGit(app)
                    + ". Nothing was changed." + (v.forcible() ? " Once git deploys the good revision run this"
                    + " again, or resume anyway (recorded): deployguard gitops resume " + app.name() + " --force"
                    : ""));
        }
        boolean forced = !v.resumed();
        if (forced) {
            v.force().run();
        }
        String message = forced ? "resumed " + owner.title() + " anyway (--force by " + actor + "): " + v.how()
                + "; DeployGuard would have refused: " + v.why()
                : "resumed " + owner.title() + ": " + v.how() + "; " + v.why();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("owner", owner.title());
        data.put("forced", forced);
        data.put("check", v.why());
        events.record(app.name(), null, actor, EventKinds.GITOPS_RESUMED, message, data);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("app", app.name());
        answer.put("owner", owner.toMap());
        answer.put("resumed", true);
        answer.put("forced", forced);
        answer.put("message", message);
        return answer;
    }

    /**
     * What the owner's check said: resumed by it already, or why not; {@code forcible} when DeployGuard paused it
     * (so {@code force} can undo exactly that); {@code how} says what resuming does.
     */
    private record Verdict(boolean resumed, String why, boolean forcible, Runnable force, String how) {
    }

    private Verdict argo(KubernetesClient client, Owner o, GitRestorer restorer, GitOpsSpec.Git where) {
        ArgoApplication argo = new ArgoApplication(client);
        String said = restorer == null ? argo.resumeIfSafe(o.namespace(), o.name())
                : argo.resumeIfSafe(o.namespace(), o.name(), restorer, where);
        boolean resumed = said.startsWith("re-armed");
        boolean paused = annotations(client, o).containsKey(ArgoApplication.PAUSED_AUTOMATION);
        return new Verdict(resumed, said.replaceFirst("^(not )?re-armed( auto-sync)?: ", ""), !resumed && paused,
                () -> argo.resumeAutoSync(o.namespace(), o.name()),
                "auto-sync is on again (the automated block kept at pause time put back)");
    }

    private Verdict flux(KubernetesClient client, Owner o, GitRestorer restorer, GitOpsSpec.Git where) {
        FluxSuspension flux = new FluxSuspension(client, clock);
        FluxSuspension.Safety s = restorer == null ? flux.resumeIfSafe(o.controller(), o.namespace(), o.name())
                : flux.resumeIfSafe(o.controller(), o.namespace(), o.name(), restorer, where);
        Map<String, String> marks = s.safe() ? Map.of() : annotations(client, o);
        // SUSPENDED_AT is absent when the object had no applied revision yet; SUSPENDED_BY is always written.
        boolean suspendedByUs = marks.containsKey(FluxSuspension.SUSPENDED_BY)
                || marks.containsKey(FluxSuspension.SUSPENDED_AT);
        return new Verdict(s.safe(), s.why(), suspendedByUs,
                () -> flux.resume(o.controller(), o.namespace(), o.name()),
                "spec.suspend is false and a reconcile is requested (reconcile.fluxcd.io/requestedAt), as flux resume"
                        + " does");
    }

    private static Map<String, String> annotations(KubernetesClient client, Owner o) {
        GenericKubernetesResource r = client.genericKubernetesResources(o.controller().context())
                .inNamespace(o.namespace()).withName(o.name()).get();
        return r == null || r.getMetadata().getAnnotations() == null ? Map.of() : r.getMetadata().getAnnotations();
    }

    /** What the app's restore commit is doing, when it is not yet on the branch the owner follows. */
    private String pendingGit(AppSpec app) {
        Map<String, Object> state = git == null ? null : git.state(app);
        if (state == null) {
            return "";
        }
        Object ref = state.get("ref");
        return switch (String.valueOf(state.get("state"))) {
            case "pending" -> " (the restore commit is not written yet: " + state.get("message") + ")";
            case "restored" -> ref != null && !String.valueOf(ref).endsWith("/" + app.gitops().git().branch())
                    && !String.valueOf(ref).equals(app.gitops().git().branch())
                    ? " (the restore commit " + state.get("sha") + " waits on " + ref + ": merge it into "
                    + app.gitops().git().branch() + ")" : "";
            default -> "";
        };
    }
}
