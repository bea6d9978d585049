package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code helm rollback NAME [REVISION]}, which helm-java lacks, leaving exactly what helm leaves: a new revision
 * carrying the target revision's chart, values, manifest and notes, described {@code Rollback to N}; written
 * first as {@code pending-rollback}, then the target's objects applied, then every deployed revision marked
 * {@code superseded} and the new one {@code deployed}. A failed apply leaves the new revision {@code failed} with
 * helm's description. Each step is one Secret write, so a crash at any point leaves records helm itself can read
 * and recover from (a pending revision, which another rollback replaces). The target revision's
 * {@code pre-rollback} hooks run before its objects are applied and its {@code post-rollback} hooks after the wait,
 * as in helm/helm {@code pkg/action/rollback.go} ({@link HelmHooks}); objects are three-way merged
 * ({@link ThreeWayMerge}), so fields the charts never set keep their live values.
 */
public final class HelmRollback {
    /** How often a hook's Job or Pod is looked at (helm watches; the mock API server cannot serve Go's watches). */
    static final Duration HOOK_POLL = Duration.ofMillis(100);
    private final HelmReleaseStorage storage;
    private final ManifestApplier applier;
    private final ReadinessWaiter waiter;
    private final Duration timeout;
    private final HelmHooks hooks;

    /**
     * @param waiter  {@link ReadinessWaiter#none()} for helm's default, a real waiter for {@code --wait}
     * @param timeout how long the waiter may wait
     */
    public HelmRollback(HelmReleaseStorage storage, ReadinessWaiter waiter, Duration timeout) {
        this(storage, waiter, timeout, LiveFields.NONE);
    }

    private HelmRollback(HelmReleaseStorage storage, ReadinessWaiter waiter, Duration timeout, LiveFields fields) {
        this.storage = storage;
        this.applier = new ManifestApplier(storage.client(), storage.namespace(), fields);
        this.waiter = waiter;
        this.timeout = timeout;
        this.hooks = new HelmHooks(storage.client(), storage.namespace(), storage.clock(), timeout, HOOK_POLL);
    }

    /** This rollback, keeping {@code fields} of the live objects it replaces. */
    public HelmRollback keeping(LiveFields fields) {
        return new HelmRollback(storage, waiter, timeout, fields);
    }

    /**
     * Rolls a release back.
     *
     * @param toRevision the revision to return to, or 0 for the one before the latest (helm's default)
     * @return the new, deployed revision
     * @throws DeployGuardException NOT_FOUND for no such release or revision, DEPLOY_FAILED when the objects could
     *                              not be applied or did not become ready (the new revision is then failed)
     */
    public HelmRelease rollback(String release, int toRevision) {
        if (toRevision < 0) {
            throw DeployGuardException.badInput("Revision must be 0 (the previous one) or a revision number, not "
                    + toRevision + ".");
        }
        List<HelmRelease> history = storage.requireHistory(release);
        HelmRelease current = history.get(history.size() - 1);
        int targetVersion = toRevision == 0 ? current.version() - 1 : toRevision;
        HelmRelease target = history.stream().filter(r -> r.version() == targetVersion).findFirst()
                .orElseThrow(() -> DeployGuardException.notFound("Helm release '" + release + "' has no revision "
                        + targetVersion + " to roll back to; its revisions are "
                        + history.stream().map(r -> Integer.toString(r.version())).collect(Collectors.joining(", "))
                        + ". Pick one of them (helm history " + release + ")."));
        var serialization = storage.client().getKubernetesSerialization();
        List<HasMetadata> currentObjects = ReleaseManifest.objects(current.manifest(), serialization, current.key());
        List<HasMetadata> targetObjects = ReleaseManifest.objects(target.manifest(), serialization, target.key());
        HelmRelease pending = record(current, target);
        storage.create(pending);
        ObjectNode doc = pending.json();
        runHooks(doc, "pre-rollback", release);
        return perform(release, current, HelmRelease.of(doc), currentObjects, targetObjects);
    }

    /**
     * Runs the target revision's hooks of {@code event} on the new revision's document, as helm's rollback does;
     * a failed hook leaves the new revision {@code pending-rollback}, as helm leaves it.
     */
    private void runHooks(ObjectNode doc, String event, String release) {
        try {
            hooks.run(doc, event, d -> storage.update(HelmRelease.of(d)));
        } catch (HelmHooks.Failed e) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "Rollback of Helm release '" + release
                    + "': " + event + " hook failed: " + e.getMessage() + ". Revision " + doc.path("version").asInt()
                    + " stays pending-rollback, as helm leaves it; fix the hook and roll back again.", e);
        }
    }

    private HelmRelease perform(String release, HelmRelease current, HelmRelease pending,
                                List<HasMetadata> currentObjects, List<HasMetadata> targetObjects) {
        ManifestApplier.Result applied;
        try {
            applied = applier.update(release, currentObjects, targetObjects);
        } catch (DeployGuardException e) {
            String description = "Rollback \"" + release + "\" failed: " + e.getMessage();
            recordFailure(e, current.withStatus(HelmStatus.SUPERSEDED, null),
                    pending.withStatus(HelmStatus.FAILED, description));
            throw new DeployGuardException(e.exitCode() == ExitCode.FAILURE ? ExitCode.DEPLOY_FAILED : e.exitCode(),
                    description + " Revision " + pending.version() + " is recorded as failed.", e);
        }
        try {
            waiter.await(applied.applied(), timeout);
        } catch (ReadinessWaiter.NotReady e) {
            String description = "Release \"" + release + "\" failed: " + e.getMessage();
            DeployGuardException failure = new DeployGuardException(ExitCode.DEPLOY_FAILED,
                    "release " + release + " failed: " + e.getMessage() + ". Revision " + pending.version()
                            + " is recorded as failed.", e);
            recordFailure(failure, current, pending.withStatus(HelmStatus.FAILED, description));
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "Interrupted while waiting for release " + release
                    + " to become ready; revision " + pending.version() + " stays pending-rollback. Run the "
                    + "rollback again to finish it.", e);
        }
        ObjectNode doc = pending.json();
        runHooks(doc, "post-rollback", release);
        pending = HelmRelease.of(doc);
        for (HelmRelease r : storage.history(release)) {
            if (r.status() == HelmStatus.DEPLOYED && r.version() != pending.version()) {
                storage.update(r.withStatus(HelmStatus.SUPERSEDED, null));
            }
        }
        HelmRelease deployed = pending.withStatus(HelmStatus.DEPLOYED, null);
        storage.update(deployed);
        return deployed;
    }

    /** Writes the records of a failed attempt; a failure to write them is attached to the original error. */
    private void recordFailure(DeployGuardException cause, HelmRelease... records) {
        for (HelmRelease r : records) {
            try {
                storage.update(r);
            } catch (DeployGuardException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** helm's {@code prepareRollback}: the new revision, as helm builds it from the current and target ones. */
    private HelmRelease record(HelmRelease current, HelmRelease target) {
        ObjectNode targetDoc = target.json();
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("name", current.name());
        ObjectNode info = doc.putObject("info");
        JsonNode first = current.json().path("info").get("first_deployed");
        if (first != null) {
            info.set("first_deployed", first);
        }
        info.put("last_deployed", HelmTime.format(storage.clock().instant()));
        info.put("deleted", "");
        info.put("description", "Rollback to " + target.version());
        info.put("status", HelmStatus.PENDING_ROLLBACK.wire());
        if (!target.notes().isEmpty()) {
            info.put("notes", target.notes());
        }
        copy(targetDoc, doc, "chart");
        copy(targetDoc, doc, "config");
        doc.put("manifest", target.manifest());
        copy(targetDoc, doc, "hooks");
        doc.put("version", current.version() + 1);
        doc.put("namespace", current.namespace().isEmpty() ? storage.namespace() : current.namespace());
        return HelmRelease.of(doc);
    }

    private static void copy(ObjectNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v != null) {
            to.set(field, v);
        }
    }
}
