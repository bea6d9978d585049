package dev.deployguard.kubernetes.gitops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.spec.GitOpsSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An Argo CD Application read and driven through the Kubernetes API alone (no Argo CD API server, so it works when
 * that server or the git repository is down): its sync history ({@code status.history}), its automation, pausing and
 * re-arming auto-sync, and rollback by writing {@code .operation} as Argo CD's server does. Behaviour copied from
 * argoproj/argo-cd {@code server/application/application.go} ({@code Server.Rollback}: refuse while auto-sync is on,
 * find the history entry by id, then an operation {@code sync} to that entry's revision and source with the apply
 * strategy and the app's sync options) and {@code util/argo/argo.go} ({@code SetAppOperation}: refuse when an
 * operation is already in progress, update with conflict retries).
 */
public final class ArgoApplication {
    /** Where DeployGuard keeps the automated block it paused, to put it back as it was. */
    public static final String PAUSED_AUTOMATION = "deployguard.dev/paused-automated-sync";
    /** The git revision the Application tracked ({@code status.sync.revision}) when DeployGuard paused auto-sync. */
    public static final String PAUSED_AT = "deployguard.dev/paused-at-revision";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OwnerObjects objects;

    public ArgoApplication(KubernetesClient client) {
        this.objects = new OwnerObjects(client);
    }

    /** One entry of {@code status.history}: what Argo CD synced, when and from where. */
    public record HistoryEntry(long id, String revision, Instant deployedAt, String repoUrl, String path,
                               String targetRevision, String initiatedBy) {
        /** The short form people read: the first 7 characters of a commit SHA, else the revision as it is. */
        public String shortRevision() {
            return revision != null && revision.matches("[0-9a-f]{40}") ? revision.substring(0, 7) : revision;
        }
    }

    /** What a rollback asked Argo CD to do. */
    public record RollbackRequest(HistoryEntry from, HistoryEntry to, String message) {
    }

    /** How auto-sync was paused: {@code enabled: false} (newer Argo CD) or the automated block removed (older). */
    public record Pause(boolean changed, String how) {
    }

    /** The outcome of the operation DeployGuard wrote, as Argo CD recorded it. */
    public record OperationResult(String phase, String message, boolean finished) {
        public boolean succeeded() {
            return "Succeeded".equals(phase);
        }
    }

    public static Owner.Automation automation(GenericKubernetesResource app) {
        Object automated = OwnerObjects.at(app, "spec", "syncPolicy", "automated");
        if (!(automated instanceof Map<?, ?> a)) {
            boolean paused = app.getMetadata().getAnnotations() != null
                    && app.getMetadata().getAnnotations().containsKey(PAUSED_AUTOMATION);
            return new Owner.Automation(false, false, paused, false, paused
                    ? "auto-sync off (paused by DeployGuard)" : "manual sync (auto-sync off)");
        }
        boolean disabled = Boolean.FALSE.equals(a.get("enabled")) || "false".equals(String.valueOf(a.get("enabled")));
        boolean selfHeal = Boolean.TRUE.equals(a.get("selfHeal"));
        if (disabled) {
            return new Owner.Automation(false, selfHeal, true, false, "auto-sync off (automated.enabled: false)");
        }
        return new Owner.Automation(true, selfHeal, false, selfHeal, "auto-sync with self-heal "
                + (selfHeal ? "on" : "off") + (Boolean.TRUE.equals(a.get("prune")) ? ", prune on" : ""));
    }

    /** {@code status.history}, oldest first (Argo CD appends and keeps {@code spec.revisionHistoryLimit}, 10 by default). */
    public List<HistoryEntry> history(String namespace, String name) {
        return history(objects.require(Controller.ARGO_CD_APPLICATION, namespace, name));
    }

    static List<HistoryEntry> history(GenericKubernetesResource app) {
        List<HistoryEntry> out = new ArrayList<>();
        for (Map<String, Object> h : OwnerObjects.list(app, "status", "history")) {
            Map<?, ?> source = h.get("source") instanceof Map<?, ?> s ? s : Map.of();
            Map<?, ?> by = h.get("initiatedBy") instanceof Map<?, ?> b ? b : Map.of();
            String who = by.get("username") != null ? String.valueOf(by.get("username"))
                    : Boolean.TRUE.equals(by.get("automated")) ? "automated sync" : null;
            out.add(new HistoryEntry(h.get("id") instanceof Number n ? n.longValue() : -1,
                    (String) h.get("revision"), instant(h.get("deployedAt")), str(source.get("repoURL")),
                    str(source.get("path")), str(source.get("targetRevision")), who));
        }
        return out;
    }

    /**
     * Writes a sync operation to history entry {@code toId} (null: the entry before the latest, as {@code argocd app
     * rollback} without an id; ids start at 0). Refuses, writing nothing, while auto-sync is on, while another operation runs, for an
     * unknown id or the entry already deployed.
     */
    public RollbackRequest rollback(String namespace, String name, Long toId, String actor, String reason) {
        RollbackRequest[] made = new RollbackRequest[1];
        objects.update(Controller.ARGO_CD_APPLICATION, namespace, name, app -> {
            String title = "Argo CD Application " + namespace + "/" + name;
            Owner.Automation auto = automation(app);
            if (auto.automated()) {
                throw DeployGuardException.badInput(title + " syncs automatically (" + auto.describe() + "): a"
                        + " rollback would be undone by its next sync, and Argo CD itself refuses it (\"rollback"
                        + " cannot be initiated when auto-sync is enabled\"). Set gitops.autoSync: pause in the spec"
                        + " to let DeployGuard pause auto-sync, or turn it off yourself: argocd app set " + name
                        + " --sync-policy none");
            }
            if (OwnerObjects.at(app, "operation") != null) {
                throw new DeployGuardException(ExitCode.BUSY, title + " already has an operation in progress"
                        + " (phase " + OwnerObjects.text(app, "status", "operationState", "phase") + "); wait for"
                        + " it or terminate it: argocd app terminate-op " + name);
            }
            List<HistoryEntry> history = history(app);
            if (history.isEmpty()) {
                throw DeployGuardException.notFound(title + " has no sync history (status.history is empty)");
            }
            HistoryEntry latest = history.get(history.size() - 1);
            HistoryEntry target = target(history, toId, title);
            if (target.id() == latest.id()) {
                throw DeployGuardException.badInput(title + " already runs history entry " + target.id() + " ("
                        + target.shortRevision() + "); pick an earlier id: " + ids(history));
            }
            Map<String, Object> source = sourceOf(app, target.id());
            if (source == null) {
                throw DeployGuardException.badInput(title + ": history entry " + target.id() + " has no source"
                        + " (deployed by Argo CD 0.11 or older); sync to its revision instead");
            }
            Map<String, Object> sync = new LinkedHashMap<>();
            sync.put("revision", target.revision());
            sync.put("prune", false);
            Object options = OwnerObjects.at(app, "spec", "syncPolicy", "syncOptions");
            if (options != null) {
                sync.put("syncOptions", options);
            }
            sync.put("syncStrategy", Map.of("apply", Map.of()));
            sync.put("source", source);
            Map<String, Object> op = new LinkedHashMap<>();
            op.put("sync", sync);
            op.put("initiatedBy", Map.of("username", actor));
            List<Map<String, String>> info = new ArrayList<>();
            info.add(Map.of("name", "DeployGuard", "value", "rollback from history " + latest.id() + " to "
                    + target.id()));
            if (reason != null && !reason.isBlank()) {
                info.add(Map.of("name", "Reason", "value", reason));
            }
            op.put("info", info);
            app.getAdditionalProperties().put("operation", op);
            made[0] = new RollbackRequest(latest, target, "Argo CD Application " + namespace + "/" + name
                    + ": sync to history entry " + target.id() + " (" + target.shortRevision() + ") requested,"
                    + " rolling back from entry " + latest.id() + " (" + latest.shortRevision() + ")");
            return app;
        });
        return made[0];
    }

    /**
     * Turns auto-sync off and keeps what was there in {@link #PAUSED_AUTOMATION}. Newer Argo CD reads
     * {@code automated.enabled: false} (argoproj/argo-cd {@code pkg/apis/application/v1alpha1/types.go},
     * {@code SyncPolicy.IsAutomatedSyncEnabled}); an older CRD prunes that unknown field on write, so when the re-read shows it
     * gone the automated block is removed instead (what {@code argocd app set --sync-policy none} does).
     */
    public Pause pauseAutoSync(String namespace, String name) {
        GenericKubernetesResource current = objects.require(Controller.ARGO_CD_APPLICATION, namespace, name);
        if (!automation(current).automated()) {
            return new Pause(false, "auto-sync was already off");
        }
        GenericKubernetesResource written = objects.update(Controller.ARGO_CD_APPLICATION, namespace, name, app -> {
            Map<String, Object> automated = OwnerObjects.map(app, "spec", "syncPolicy", "automated");
            OwnerObjects.annotate(app, PAUSED_AUTOMATION, json(automated));
            OwnerObjects.annotate(app, PAUSED_AT, OwnerObjects.text(app, "status", "sync", "revision"));
            automated.put("enabled", false);
            return app;
        });
        if (OwnerObjects.at(written, "spec", "syncPolicy", "automated", "enabled") != null) {
            return new Pause(true, "spec.syncPolicy.automated.enabled set to false");
        }
        objects.update(Controller.ARGO_CD_APPLICATION, namespace, name, app -> {
            OwnerObjects.map(app, "spec", "syncPolicy").remove("automated");
            return app;
        });
        return new Pause(true, "spec.syncPolicy.automated removed (this Argo CD's CRD has no automated.enabled,"
                + " which newer Argo CD versions read)");
    }

    /** Puts back the automated block {@link #pauseAutoSync} kept; false when there was none to put back. */
    @SuppressWarnings("unchecked")
    public boolean resumeAutoSync(String namespace, String name) {
        GenericKubernetesResource current = objects.require(Controller.ARGO_CD_APPLICATION, namespace, name);
        String kept = current.getMetadata().getAnnotations() == null ? null
                : current.getMetadata().getAnnotations().get(PAUSED_AUTOMATION);
        if (kept == null) {
            return false;
        }
        objects.update(Controller.ARGO_CD_APPLICATION, namespace, name, app -> {
            try {
                OwnerObjects.map(app, "spec", "syncPolicy").put("automated", JSON.readValue(kept, Map.class));
            } catch (JsonProcessingException e) {
                throw DeployGuardException.badInput("annotation " + PAUSED_AUTOMATION + " on Argo CD Application "
                        + namespace + "/" + name + " is not JSON; re-enable auto-sync by hand");
            }
            OwnerObjects.annotate(app, PAUSED_AUTOMATION, null);
            OwnerObjects.annotate(app, PAUSED_AT, null);
            return app;
        });
        return true;
    }

    /**
     * Re-arms auto-sync only once git no longer points at the revision it tracked when DeployGuard paused it (Argo CD
     * keeps refreshing {@code status.sync.revision} from git while auto-sync is off): re-arming earlier would sync the
     * bad revision again at once. Returns why it did or did not.
     */
    public String resumeIfSafe(String namespace, String name) {
        GenericKubernetesResource app = objects.require(Controller.ARGO_CD_APPLICATION, namespace, name);
        Map<String, String> a = app.getMetadata().getAnnotations() == null ? Map.of()
                : app.getMetadata().getAnnotations();
        String bad = a.get(PAUSED_AT);
        String now = OwnerObjects.text(app, "status", "sync", "revision");
        if (!a.containsKey(PAUSED_AUTOMATION)) {
            return "not re-armed: DeployGuard did not pause auto-sync of Argo CD Application " + namespace + "/" + name;
        }
        if (bad == null || bad.equals(now)) {
            return "not re-armed: git still points at " + (bad == null ? "an unknown revision" : bad)
                    + ", the revision tracked when DeployGuard paused auto-sync; fix git first";
        }
        resumeAutoSync(namespace, name);
        return "re-armed auto-sync: git moved from " + bad + " to " + now;
    }

    /**
     * As {@link #resumeIfSafe(String, String)}, and also not while git's head still has the app's {@code gitops.git}
     * path at the revision tracked at pause time ({@code git}: the restorer of the control plane's GitCatchUp).
     */
    public String resumeIfSafe(String namespace, String name, GitRestorer git, GitOpsSpec.Git where) {
        Map<String, String> a = objects.require(Controller.ARGO_CD_APPLICATION, namespace, name).getMetadata()
                .getAnnotations();
        String held = a == null || !a.containsKey(PAUSED_AUTOMATION) ? null
                : GitHead.holds(git, where, a.get(PAUSED_AT));
        return held != null ? "not re-armed: " + held : resumeIfSafe(namespace, name);
    }

    /**
     * Polls until Argo CD has finished the operation DeployGuard wrote ({@code .operation} cleared and
     * {@code status.operationState.phase} final), or {@code timeout} passed.
     */
    public OperationResult awaitOperation(String namespace, String name, Clock clock, RolloutWaiter.Pause pause,
                                          Duration pollEvery, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        while (true) {
            GenericKubernetesResource app = objects.require(Controller.ARGO_CD_APPLICATION, namespace, name);
            String phase = OwnerObjects.text(app, "status", "operationState", "phase");
            String message = OwnerObjects.text(app, "status", "operationState", "message");
            if (OwnerObjects.at(app, "operation") == null && phase != null && !"Running".equals(phase)
                    && !"Terminating".equals(phase)) {
                return new OperationResult(phase, message, true);
            }
            if (!clock.instant().isBefore(deadline)) {
                return new OperationResult(phase, "Argo CD did not finish the sync within " + timeout
                        + (phase == null ? " (no operation state yet: is the application controller running?)"
                        : "; last phase " + phase), false);
            }
            try {
                pause.pause(pollEvery);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new OperationResult(phase, "interrupted while waiting for Argo CD", false);
            }
        }
    }

    private static HistoryEntry target(List<HistoryEntry> history, Long toId, String title) {
        // As the argocd CLI: no id means the entry before the latest; 0 is a real id (Argo CD counts from 0).
        if (toId == null || toId < 0) {
            if (history.size() < 2) {
                throw DeployGuardException.notFound(title + " has no earlier sync to roll back to (history: "
                        + ids(history) + ")");
            }
            return history.get(history.size() - 2);
        }
        return history.stream().filter(h -> h.id() == toId).findFirst().orElseThrow(() ->
                DeployGuardException.notFound(title + " does not have deployment with id " + toId + "; its"
                        + " history ids are " + ids(history) + " (Argo CD keeps spec.revisionHistoryLimit entries,"
                        + " 10 by default)"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sourceOf(GenericKubernetesResource app, long id) {
        for (Map<String, Object> h : OwnerObjects.list(app, "status", "history")) {
            if (h.get("id") instanceof Number n && n.longValue() == id && h.get("source") instanceof Map<?, ?> s
                    && !s.isEmpty()) {
                return (Map<String, Object>) s;
            }
        }
        return null;
    }

    private static String ids(List<HistoryEntry> history) {
        return history.isEmpty() ? "none" : history.stream().map(h -> Long.toString(h.id()))
                .collect(Collectors.joining(", "));
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static Instant instant(Object o) {
        try {
            return o == null ? null : Instant.parse(o.toString());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
