package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code helm upgrade --install [--atomic]} with the chart rendered offline by Helm's own template engine
 * (helm-java): a new revision written {@code pending-upgrade} (or {@code pending-install}), its objects applied,
 * readiness awaited, then the previous revision {@code superseded} and the new one {@code deployed}. On failure
 * the new revision is {@code failed} with helm's description and, when atomic, the release is rolled back to its
 * last successful revision (a further revision {@code Rollback to N}) or, for a first install, removed.
 * Hooks are recorded and run as helm runs them ({@link HelmHooks}: {@code pre-/post-install} and
 * {@code pre-/post-upgrade}, by weight, with their delete policies; a failed hook fails the revision), a first
 * install creates the chart's {@code crds/} first ({@link ChartCrds}, install only, as helm), and objects are
 * three-way merged ({@link ThreeWayMerge}). The chart is rendered offline by {@code helm template}, so
 * {@code lookup} finds nothing, {@code .Release.IsUpgrade} is false and {@code .Release.Revision} is 1, and
 * NOTES.txt is not rendered: docs/kubernetes.md lists these differences from helm.
 */
public final class HelmUpgrade {
    /** helm's release name rule: a DNS subdomain of at most 53 characters. */
    private static final Pattern CLUSTER_AWARE =
            Pattern.compile("\\blookup\\b|\\.Release\\.(IsUpgrade|IsInstall|Revision)\\b");
    private static final Pattern HOOK = Pattern.compile("helm\\.sh/hook[\"']?\\s*:\\s*[\"']?([^\"'\\n#]*)");
    private static final Pattern RELEASE_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final HelmReleaseStorage storage;
    private final ChartRenderer renderer;
    private final ReadinessWaiter waiter;
    private final Duration timeout;
    private final LiveFields liveFields;
    private final ManifestApplier applier;
    private final HelmHooks hooks;
    /** Non-null: the upgrade is Helm's own ({@link #byHelmLibrary}). */
    private final HelmLibraryUpgrade library;
    /** helm upgrade --description: the deployed revision's description; null for helm's "Upgrade complete". */
    private final String description;

    public HelmUpgrade(HelmReleaseStorage storage, ChartRenderer renderer, ReadinessWaiter waiter, Duration timeout) {
        this(storage, renderer, waiter, timeout, LiveFields.NONE, null, null);
    }

    private HelmUpgrade(HelmReleaseStorage storage, ChartRenderer renderer, ReadinessWaiter waiter, Duration timeout,
                        LiveFields liveFields, HelmLibraryUpgrade library, String description) {
        this.library = library;
        this.description = description;
        this.storage = storage;
        this.renderer = renderer;
        this.waiter = waiter;
        this.timeout = timeout;
        this.liveFields = liveFields;
        this.applier = new ManifestApplier(storage.client(), storage.namespace(), liveFields);
        this.hooks = new HelmHooks(storage.client(), storage.namespace(), storage.clock(), timeout,
                HelmRollback.HOOK_POLL);
    }

    /**
     * This upgrade, run by Helm's own library against the cluster of {@code kubeconfig} ({@link HelmLibraryUpgrade}):
     * full Helm fidelity, for upgrades where DeployGuard keeps nothing of its own on the live objects.
     */
    public HelmUpgrade byHelmLibrary(String kubeconfig) {
        return new HelmUpgrade(storage, renderer, waiter, timeout, liveFields,
                new HelmLibraryUpgrade(storage, kubeconfig, timeout).describedAs(description), description);
    }

    /**
     * This upgrade as a plain {@code deploy} of {@code chart} runs it, so that every writer of a release upgrades
     * alike: by Helm's own library when the chart needs the cluster ({@link #needsHelmLibrary}), with the kubeconfig
     * text {@code kubeconfig} gives (asked only then); else by DeployGuard's writer, which renders such a chart
     * exactly as helm does.
     */
    public HelmUpgrade asHelmWould(Path chart, Supplier<String> kubeconfig) {
        return needsHelmLibrary(chart) ? byHelmLibrary(kubeconfig.get()) : this;
    }

    /** This upgrade with {@code helm upgrade --description}: the deployed revision is described so. */
    public HelmUpgrade describedAs(String description) {
        return new HelmUpgrade(storage, renderer, waiter, timeout, liveFields,
                library == null ? null : library.describedAs(description), description);
    }

    /**
     * Whether only Helm's own, cluster-aware code upgrades this chart faithfully: it has a {@code crds/} directory,
     * hooks, or templates that use {@code lookup}, {@code .Release.IsUpgrade}/{@code IsInstall} or
     * {@code .Release.Revision}, none of which helm-java's offline template renders as helm upgrade does.
     */
    public static boolean needsHelmLibrary(Path chart) {
        if (!ChartCrds.read(chart, new io.fabric8.kubernetes.client.utils.KubernetesSerialization()).isEmpty()) {
            return true;
        }
        Path templates = chart.resolve("templates");
        if (!java.nio.file.Files.isDirectory(templates)) {
            return false;
        }
        try (var files = java.nio.file.Files.walk(templates)) {
            return files.filter(java.nio.file.Files::isRegularFile).anyMatch(HelmUpgrade::clusterAware);
        } catch (java.io.IOException e) {
            throw DeployGuardException.badInput("Chart templates in " + templates + " cannot be read: "
                    + e.getMessage() + ".");
        }
    }

    private static boolean clusterAware(Path template) {
        try {
            String text = java.nio.file.Files.readString(template);
            if (CLUSTER_AWARE.matcher(text).find()) {
                return true;
            }
            Matcher hook = HOOK.matcher(text);
            while (hook.find()) {
                for (String event : hook.group(1).split(",")) {
                    // helm test hooks play no part in an upgrade.
                    if (!List.of("test", "test-success", "").contains(event.strip().toLowerCase(Locale.ROOT))) {
                        return true;
                    }
                }
            }
            return false;
        } catch (java.io.IOException e) {
            throw DeployGuardException.badInput("Chart template " + template + " cannot be read: " + e.getMessage()
                    + ".");
        }
    }

    /** This upgrade, keeping {@code fields} of the live objects it replaces (an atomic rollback keeps them too). */
    public HelmUpgrade keeping(LiveFields fields) {
        return new HelmUpgrade(storage, renderer, waiter, timeout, fields, library, description);
    }

    /**
     * Installs or upgrades a release from a chart directory.
     *
     * @return the new, deployed revision
     * @throws DeployGuardException BAD_INPUT for a bad name or chart (nothing written), BUSY when another operation
     *                              is pending on the release, DEPLOY_FAILED when the new revision failed (and, if
     *                              atomic, what was done about it)
     */
    public HelmRelease upgrade(String release, Path chart, List<Path> valuesFiles, boolean atomic) {
        if (release.length() > 53 || !RELEASE_NAME.matcher(release).matches()) {
            throw DeployGuardException.badInput("'" + release + "' is not a valid Helm release name: use at most 53 "
                    + "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit.");
        }
        if (library != null) {
            ChartRenderer.requireChartDir(chart);
            requireNotPending(release);
            return library.upgrade(release, chart, valuesFiles, atomic);
        }
        var serialization = storage.client().getKubernetesSerialization();
        RenderedChart rendered = RenderedChart.split(renderer.template(chart, release, storage.namespace(),
                valuesFiles), serialization);
        String manifest = rendered.manifest();
        ObjectNode chartRecord = ChartRecord.of(chart);
        JsonNode config = ChartRecord.userValues(valuesFiles);
        List<HasMetadata> targetObjects = ReleaseManifest.objects(manifest, serialization, "chart " + chart);

        List<HelmRelease> history = storage.history(release);
        if (history.isEmpty()) {
            new ChartCrds(storage.client()).install(chart);
            return install(release, new Rendition(chartRecord, config, manifest, rendered.hooks()), targetObjects,
                    atomic);
        }
        HelmRelease last = requireNotPending(release);
        HelmRelease current = history.stream().filter(r -> r.status() == HelmStatus.DEPLOYED)
                .reduce((a, b) -> b).orElse(last);
        List<HasMetadata> currentObjects = ReleaseManifest.objects(current.manifest(), serialization, current.key());
        HelmRelease pending = record(release, last.version() + 1, current, new Rendition(chartRecord, config,
                manifest, rendered.hooks()), HelmStatus.PENDING_UPGRADE, "Preparing upgrade");
        storage.create(pending);
        ObjectNode doc = pending.json();
        runHooks(doc, "pre-upgrade", atomic);
        pending = HelmRelease.of(doc);
        try {
            ManifestApplier.Result applied = applier.update(release, currentObjects, targetObjects);
            await(applied.applied());
        } catch (DeployGuardException e) {
            try {
                storage.update(current);
            } catch (DeployGuardException recordFailure) {
                e.addSuppressed(recordFailure);
            }
            throw fail(pending, e, atomic);
        }
        runHooks(doc, "post-upgrade", atomic);
        pending = HelmRelease.of(doc);
        storage.update(current.withStatus(HelmStatus.SUPERSEDED, null));
        HelmRelease deployed = pending.withStatus(HelmStatus.DEPLOYED,
                description == null || description.isEmpty() ? "Upgrade complete" : description);
        storage.update(deployed);
        return deployed;
    }

    /** The latest revision (null: none), refused when an operation is pending on it. */
    private HelmRelease requireNotPending(String release) {
        List<HelmRelease> history = storage.history(release);
        HelmRelease last = history.isEmpty() ? null : history.get(history.size() - 1);
        if (last != null && last.status().isPending()) {
            throw new DeployGuardException(ExitCode.BUSY, "Another operation (install/upgrade/rollback) is in "
                    + "progress on Helm release '" + release + "': revision " + last.version() + " is "
                    + last.statusText() + ". Wait for it; if nothing is running any more (a crash), roll back "
                    + "to the last good revision to recover.");
        }
        return last;
    }

    /** helm's {@code execHook} on the new revision; a failed hook fails the revision as helm's upgrade does. */
    private void runHooks(ObjectNode doc, String event, boolean atomic) {
        try {
            hooks.run(doc, event, d -> storage.update(HelmRelease.of(d)));
        } catch (HelmHooks.Failed e) {
            throw fail(HelmRelease.of(doc), new DeployGuardException(ExitCode.DEPLOY_FAILED, event
                    + " hooks failed: " + e.getMessage(), e), atomic);
        }
    }

    private HelmRelease install(String release, Rendition rendition, List<HasMetadata> targetObjects,
                                boolean atomic) {
        HelmRelease pending = record(release, 1, null, rendition, HelmStatus.PENDING_INSTALL,
                "Initial install underway");
        storage.create(pending);
        List<HasMetadata> created = List.of();
        ObjectNode doc = pending.json();
        try {
            hooks.run(doc, "pre-install", d -> storage.update(HelmRelease.of(d)));
            ManifestApplier.Result applied = applier.update(release, List.of(), targetObjects);
            created = applied.created();
            await(applied.applied());
            hooks.run(doc, "post-install", d -> storage.update(HelmRelease.of(d)));
            pending = HelmRelease.of(doc);
        } catch (DeployGuardException e) {
            if (e instanceof ManifestApplier.Failure f) {
                created = f.created();
            }
            String reason = e.getMessage();
            storage.update(pending.withStatus(HelmStatus.FAILED, "Release \"" + release + "\" failed: " + reason));
            if (!atomic) {
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "release " + release + " failed: " + reason, e);
            }
            applier.delete(created);
            storage.delete(pending);
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "release " + release + " failed, and has been "
                    + "uninstalled due to atomic being set: " + reason, e);
        }
        HelmRelease deployed = pending.withStatus(HelmStatus.DEPLOYED, "Install complete");
        storage.update(deployed);
        return deployed;
    }

    private void await(List<HasMetadata> objects) {
        try {
            waiter.await(objects, timeout);
        } catch (ReadinessWaiter.NotReady e) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "interrupted while waiting for the release's objects "
                    + "to become ready", e);
        }
    }

    /** helm's {@code failRelease}: the new revision failed; with atomic, back to the last successful revision. */
    private DeployGuardException fail(HelmRelease pending, DeployGuardException cause, boolean atomic) {
        String release = pending.name();
        storage.update(pending.withStatus(HelmStatus.FAILED, "Upgrade \"" + release + "\" failed: "
                + cause.getMessage()));
        if (!atomic) {
            return new DeployGuardException(ExitCode.DEPLOY_FAILED, "UPGRADE FAILED: " + cause.getMessage()
                    + " (revision " + pending.version() + " is recorded as failed)", cause);
        }
        HelmRelease lastGood = storage.history(release).stream()
                .filter(r -> r.status() == HelmStatus.SUPERSEDED || r.status() == HelmStatus.DEPLOYED)
                .reduce((a, b) -> b).orElse(null);
        if (lastGood == null) {
            return new DeployGuardException(ExitCode.DEPLOY_FAILED, "unable to find a previously successful release "
                    + "when attempting to rollback. original upgrade error: " + cause.getMessage(), cause);
        }
        try {
            new HelmRollback(storage, waiter, timeout).keeping(liveFields).rollback(release, lastGood.version());
        } catch (DeployGuardException rollbackFailure) {
            return new DeployGuardException(ExitCode.DEPLOY_FAILED, "an error occurred while rolling back the "
                    + "release. original upgrade error: " + cause.getMessage() + ": " + rollbackFailure.getMessage(),
                    rollbackFailure);
        }
        return new DeployGuardException(ExitCode.DEPLOY_FAILED, "release " + release + " failed, and has been rolled "
                + "back due to atomic being set: " + cause.getMessage(), cause);
    }

    /** What the chart rendered into a revision: its chart record, user values, manifest and hooks. */
    private record Rendition(ObjectNode chart, JsonNode config, String manifest, ArrayNode hooks) {
    }

    /** The new revision as helm's upgrade (or install) builds it. */
    private HelmRelease record(String release, int version, HelmRelease current, Rendition rendition,
                               HelmStatus status, String description) {
        String now = HelmTime.format(storage.clock().instant());
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("name", release);
        ObjectNode info = doc.putObject("info");
        JsonNode first = current == null ? null : current.json().path("info").get("first_deployed");
        if (first != null) {
            info.set("first_deployed", first);
        } else {
            info.put("first_deployed", now);
        }
        info.put("last_deployed", now);
        info.put("deleted", "");
        info.put("description", description);
        info.put("status", status.wire());
        doc.set("chart", rendition.chart());
        if (rendition.config() != null) {
            doc.set("config", rendition.config());
        }
        doc.put("manifest", rendition.manifest());
        if (!rendition.hooks().isEmpty()) {
            doc.set("hooks", rendition.hooks().deepCopy());
        }
        doc.put("version", version);
        doc.put("namespace", storage.namespace());
        return HelmRelease.of(doc);
    }
}
