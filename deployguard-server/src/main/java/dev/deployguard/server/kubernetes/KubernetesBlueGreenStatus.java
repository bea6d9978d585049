package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.deployment.DeploymentHistory;
import dev.deployguard.kubernetes.deployment.Revision;
import dev.deployguard.kubernetes.deployment.RolloutStatus;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen.Slot;
import dev.deployguard.kubernetes.progressive.Labels;
import dev.deployguard.kubernetes.progressive.SlotsView;
import dev.deployguard.kubernetes.traffic.ClusterCalls;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.store.Store;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code status} and {@code history} of a blue/green app on Kubernetes ({@code strategy.blueGreen} with
 * {@code platform.kubernetes.service}), read live from the cluster: the slot the Service selects (active), the slot
 * {@code <service>-preview} selects, each slot's image, revision and replicas, and whether the old slot is still warm
 * until the scale-down delay ends. When the cluster cannot be read, status answers with what the store knows (the
 * latest rollout) and says why, so the caller can print it and exit with the error's code.
 */
final class KubernetesBlueGreenStatus {
    /** How many blue/green rollouts history looks back on. */
    private static final int HISTORY_ROLLOUTS = 200;

    private final Store store;

    KubernetesBlueGreenStatus(Store store) {
        this.store = store;
    }

    /** True for the apps this view serves: a Deployment (not Helm) with a Service and {@code strategy.blueGreen}. */
    static boolean applies(AppSpec app) {
        // Helm blue/green keeps the chart's Deployment warm as its slot; its status is the Helm release's.
        return KubernetesRollouts.drives(app) && app.strategy() instanceof Strategy.BlueGreen
                && app.kubernetes().helm() == null;
    }

    /**
     * The status answer: {@code serving} (the active slot's release), {@code kubernetes} (Services, slots, the app's
     * own Deployment), {@code rollout} and {@code lock} from the store. A cluster that cannot be read gives
     * {@code kubernetes.error}, {@code kubernetes.exitCode}, and {@code kubernetes.reachable: false} when it did not
     * answer at all, instead of slots, and {@code serving} as the store's rollouts have it.
     *
     * @param ownHistory the app's own Deployment's revisions (as {@code history} lists them for any Deployment)
     */
    Map<String, Object> status(AppSpec app, Supplier<KubernetesClient> open,
                               Function<KubernetesClient, List<Release>> ownHistory) {
        KubernetesSpec k = app.kubernetes();
        List<Rollout> rollouts = blueGreenRollouts(app.name());
        Rollout latest = rollouts.isEmpty() ? null : rollouts.get(rollouts.size() - 1);
        Map<String, Object> kube = new LinkedHashMap<>();
        kube.put("namespace", k.namespace());
        kube.put("strategy", RolloutKind.BLUE_GREEN.specName());
        kube.put("service", k.service());
        kube.put("previewService", k.service() + "-preview");
        kube.put("deployment", k.deploymentName(app.name()));
        Release serving;
        try (KubernetesClient client = open.get()) {
            SlotsView view = slots(client, app).observe(k.container());
            List<Release> own = ownHistoryOrEmpty(client, ownHistory);
            Map<Slot, Integer> revisions = revisions(view, latest);
            kube.put("reachable", true);
            kube.put("activeSlot", label(view.active()));
            kube.put("previewSlot", label(view.preview()));
            if (view.active() == null) {
                ownDeployment(client, app, kube);
            }
            List<Map<String, Object>> slots = new ArrayList<>();
            for (SlotsView.SlotState s : view.slots()) {
                slots.add(slot(view, s, revisions.get(s.slot()), latest, app));
            }
            kube.put("slots", slots);
            serving = serving(app, view, revisions, own, rollouts);
        } catch (DeployGuardException e) {
            unreadable(kube, e);
            serving = servingPerStore(app.name(), latest);
        } catch (KubernetesClientException e) {
            unreadable(kube, ClusterCalls.translate("read the blue/green slots of " + app.name(), e));
            serving = servingPerStore(app.name(), latest);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", app.name());
        m.put("serving", serving);
        m.put("instances", List.of());
        m.put("kubernetes", kube);
        m.put("lock", store.currentLock(app.name()).orElse(null));
        m.put("rollout", store.rollouts(app.name(), 1).stream().findFirst().orElse(null));
        return m;
    }

    /**
     * The history answer: the app's own Deployment's revisions up to blue/green, then one per blue/green rollout,
     * oldest first, with {@code slots} saying which revision each slot runs and its role.
     */
    Map<String, Object> history(AppSpec app, KubernetesClient client,
                                Function<KubernetesClient, List<Release>> ownHistory) {
        KubernetesSpec k = app.kubernetes();
        List<Release> own = ownHistoryOrEmpty(client, ownHistory);
        List<Rollout> rollouts = blueGreenRollouts(app.name());
        Rollout latest = rollouts.isEmpty() ? null : rollouts.get(rollouts.size() - 1);
        KubernetesBlueGreen bg = slots(client, app);
        SlotsView view = bg.observe(k.container());
        Map<Slot, Integer> revisions = revisions(view, latest);
        Integer activeRevision = view.active() == null ? null : revisions.get(view.active());
        Map<Integer, Revision> recorded = new HashMap<>();
        // A warm rollback re-stamps a slot with its new revision, and the controller then the ReplicaSet: the
        // revision it copied is known from then on only as the copy's source (same template, so same image).
        Map<Integer, Revision> copies = new HashMap<>();
        for (SlotsView.SlotState s : view.slots()) {
            for (Revision r : new DeploymentHistory(client).list(k.namespace(), s.deployment())) {
                Integer number = number(r.annotations().get(Labels.REVISION));
                if (number != null) {
                    recorded.merge(number, r, (a, b) -> a.number() >= b.number() ? a : b);
                }
                Integer copyOf = number(r.annotations().get(Labels.ROLLED_BACK_TO));
                if (copyOf != null) {
                    copies.putIfAbsent(copyOf, r);
                }
            }
        }
        // A rollback is stored as a finished rollout whose stable is the revision it rolled back from.
        Set<Integer> rolledBack = new HashSet<>();
        for (Rollout r : rollouts) {
            KubernetesBlueGreenRollback.target(r).ifPresent(t -> rolledBack.add(r.stableRevision()));
        }
        Map<Integer, Release> rows = new TreeMap<>();
        for (Release r : own) {
            ReleaseStatus status = activeRevision == null ? r.status()
                    : r.revision() == activeRevision ? ReleaseStatus.DEPLOYED
                    : rolledBack.contains(r.revision()) ? ReleaseStatus.ROLLED_BACK
                    : r.status() == ReleaseStatus.DEPLOYED ? ReleaseStatus.SUPERSEDED : r.status();
            rows.put(r.revision(), r.withStatus(status));
        }
        for (Rollout r : rollouts) {
            Revision rec = recorded.get(r.canaryRevision());
            // Just after a rollback's switch the controller may not have copied the slot's new stamp to its
            // ReplicaSet yet: the slot Deployment itself says what it runs.
            Optional<SlotsView.SlotState> slot = view.slots().stream()
                    .filter(s -> Integer.valueOf(r.canaryRevision()).equals(s.revision())).findFirst();
            Revision sameTemplate = rec != null ? rec : copies.get(r.canaryRevision());
            String image = sameTemplate != null ? sameTemplate.template().getSpec().getContainers().stream()
                    .filter(c -> k.container() == null || k.container().equals(c.getName()))
                    .map(c -> c.getImage()).findFirst().orElse(null)
                    : slot.map(SlotsView.SlotState::image).filter(i -> !i.isEmpty()).orElse(null);
            String cause = rec != null ? rec.changeCause() : slot.map(SlotsView.SlotState::changeCause).orElse(null);
            String who = rec != null ? rec.annotations().getOrDefault(Labels.DEPLOYED_BY, "unknown")
                    : slot.map(SlotsView.SlotState::deployedBy).orElse("unknown");
            ReleaseStatus status = Integer.valueOf(r.canaryRevision()).equals(activeRevision) ? ReleaseStatus.DEPLOYED
                    : r.phase() == Rollout.Phase.ROLLED_BACK || rolledBack.contains(r.canaryRevision())
                    ? ReleaseStatus.ROLLED_BACK
                    : !r.phase().isDone() ? ReleaseStatus.PROGRESSING : ReleaseStatus.SUPERSEDED;
            rows.put(r.canaryRevision(), new Release(app.name(), r.canaryRevision(),
                    image == null ? "unknown" : KubernetesApps.version(image), List.of(), Map.of(), 0,
                    rec == null ? null : rec.replicaSet(), cause, who == null ? "unknown" : who,
                    r.startedAt(), status, KubernetesBlueGreenRollback.target(r).orElse(null)));
        }
        List<Map<String, Object>> slots = new ArrayList<>();
        for (SlotsView.SlotState s : view.slots()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("slot", s.slot().label());
            row.put("deployment", s.deployment());
            row.put("revision", revisions.get(s.slot()));
            row.put("role", role(view, s));
            slots.add(row);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", app.name());
        m.put("releases", List.copyOf(rows.values()));
        m.put("slots", slots);
        return m;
    }

    private List<Rollout> blueGreenRollouts(String app) {
        List<Rollout> all = new ArrayList<>(store.rollouts(app, HISTORY_ROLLOUTS).stream()
                .filter(r -> r.kind() == RolloutKind.BLUE_GREEN).toList());
        all.sort(Comparator.comparingLong(Rollout::id));
        return all;
    }

    /**
     * The revision each slot runs: the one DeployGuard recorded on it, else (a slot written before that record
     * existed) the latest rollout's: its new revision in the slot the preview Service selects, its stable one in
     * the other.
     */
    private static Map<Slot, Integer> revisions(SlotsView view, Rollout latest) {
        Map<Slot, Integer> out = new EnumMap<>(Slot.class);
        for (SlotsView.SlotState s : view.slots()) {
            Integer r = s.revision();
            if (r == null && latest != null && view.preview() != null) {
                r = s.slot() == view.preview() ? latest.canaryRevision() : latest.stableRevision();
            }
            if (r != null) {
                out.put(s.slot(), r);
            }
        }
        return out;
    }

    /**
     * What a slot is for now: {@code active} (users), {@code preview} (the new release, no users yet),
     * {@code warm} (no Service sends users, pods still run: a rollback target until scale-down) or
     * {@code scaled-down}.
     */
    static String role(SlotsView view, SlotsView.SlotState s) {
        if (s.slot() == view.active()) {
            return "active";
        }
        if (s.desired() == 0) {
            return "scaled-down";
        }
        return s.slot() == view.preview() ? "preview" : "warm";
    }

    private Map<String, Object> slot(SlotsView view, SlotsView.SlotState s, Integer revision, Rollout latest,
                                     AppSpec app) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("slot", s.slot().label());
        m.put("deployment", s.deployment());
        String role = role(view, s);
        m.put("role", role);
        List<String> selectedBy = new ArrayList<>();
        if (s.slot() == view.active()) {
            selectedBy.add(view.service());
        }
        if (s.slot() == view.preview()) {
            selectedBy.add(view.previewService());
        }
        m.put("selectedBy", selectedBy);
        m.put("revision", revision);
        m.put("version", s.image().isEmpty() ? null : KubernetesApps.version(s.image()));
        m.put("image", s.image());
        m.put("changeCause", s.changeCause());
        m.put("deploymentRevision", s.deploymentRevision());
        m.put("replicas", s.desired());
        m.put("readyReplicas", s.ready());
        m.put("availableReplicas", s.available());
        m.put("updatedReplicas", s.updated());
        m.put("rolledOut", s.rolledOut());
        // The old slot waits for the scale-down delay while the promoted rollout bakes; then finish scales it to 0.
        Instant scaleDownAt = "warm".equals(role) && latest != null && latest.phase() == Rollout.Phase.BAKING
                && revision != null && revision == latest.stableRevision()
                ? latest.stepStartedAt().plus(app.strategy().bake()) : null;
        m.put("scaleDownAt", scaleDownAt);
        return m;
    }

    /** The active slot's release; the app's own Deployment's while the Service selects no slot yet. */
    private static Release serving(AppSpec app, SlotsView view, Map<Slot, Integer> revisions, List<Release> own,
                                   List<Rollout> rollouts) {
        if (view.active() == null) {
            return own.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).findFirst().orElse(null);
        }
        Integer revision = revisions.get(view.active());
        Optional<SlotsView.SlotState> s = view.slots().stream().filter(x -> x.slot() == view.active()).findFirst();
        if (revision == null || s.isEmpty()) {
            return null;
        }
        Instant since = rollouts.stream().filter(r -> r.canaryRevision() == revision).map(Rollout::startedAt)
                .findFirst().orElseGet(() -> own.stream().filter(r -> r.revision() == revision)
                        .map(Release::createdAt).findFirst().orElse(null));
        return new Release(app.name(), revision, s.get().image().isEmpty() ? "unknown"
                : KubernetesApps.version(s.get().image()), List.of(), Map.of(), s.get().desired(), null,
                s.get().changeCause(), s.get().deployedBy() == null ? "unknown" : s.get().deployedBy(), since,
                ReleaseStatus.DEPLOYED, null);
    }

    /** The serving revision as the store's latest rollout has it (version unknown: only the cluster knows it). */
    private static Release servingPerStore(String app, Rollout latest) {
        if (latest == null) {
            return null;
        }
        boolean promoted = latest.phase() == Rollout.Phase.SUCCEEDED || latest.phase() == Rollout.Phase.BAKING;
        int revision = promoted ? latest.canaryRevision() : latest.stableRevision();
        return new Release(app, revision, "unknown", List.of(), Map.of(), 0, null, null, "unknown",
                promoted ? latest.startedAt() : null, ReleaseStatus.DEPLOYED, null);
    }

    private static void unreadable(Map<String, Object> kube, DeployGuardException e) {
        if (e.exitCode() == ExitCode.UNREACHABLE) {
            kube.put("reachable", false);
        }
        kube.put("error", e.getMessage());
        kube.put("exitCode", e.exitCode().code());
    }

    /** The app's own Deployment while it still serves (before the first blue/green deploy moved it into blue). */
    private static void ownDeployment(KubernetesClient client, AppSpec app, Map<String, Object> kube) {
        KubernetesSpec k = app.kubernetes();
        String name = k.deploymentName(app.name());
        Deployment d = ClusterCalls.call("read Deployment " + k.namespace() + "/" + name,
                () -> client.apps().deployments().inNamespace(k.namespace()).withName(name).get());
        if (d == null) {
            return;
        }
        RolloutStatus s = RolloutWaiter.observe(d);
        kube.put("rollout", s.state().name());
        kube.put("message", s.message());
        kube.put("replicas", d.getSpec().getReplicas());
        kube.put("availableReplicas", d.getStatus() == null ? null : d.getStatus().getAvailableReplicas());
    }

    /** The own Deployment's revisions; none when it was deleted (the slots serve without it). */
    private static List<Release> ownHistoryOrEmpty(KubernetesClient client,
                                                   Function<KubernetesClient, List<Release>> ownHistory) {
        try {
            return ownHistory.apply(client);
        } catch (DeployGuardException e) {
            if (e.exitCode() == ExitCode.NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
    }

    private static KubernetesBlueGreen slots(KubernetesClient client, AppSpec app) {
        return new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), app.kubernetes()));
    }

    private static String label(Slot s) {
        return s == null ? null : s.label();
    }

    private static Integer number(String text) {
        try {
            return text == null ? null : Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
