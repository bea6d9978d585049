package dev.deployguard.kubernetes.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.UpgradeCommand;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A plain {@code helm upgrade --install} run by Helm's own Go code (helm-java's {@link UpgradeCommand}) against the
 * cluster of a kubeconfig: rendering against the cluster ({@code lookup}, {@code .Release.IsUpgrade},
 * {@code .Release.Revision}), {@code crds/} on install, hooks with their weights and delete policies, Helm's
 * three-way merge and its release records are all Helm's. DeployGuard then reads the revision back from the
 * release storage. Used where DeployGuard has nothing of its own to keep on the objects (see {@link HelmUpgrade}).
 */
final class HelmLibraryUpgrade {
    private final HelmReleaseStorage storage;
    private final String kubeconfig;
    private final Duration timeout;
    /** helm upgrade --description; null: none. */
    private final String description;

    HelmLibraryUpgrade(HelmReleaseStorage storage, String kubeconfig, Duration timeout) {
        this(storage, kubeconfig, timeout, null);
    }

    private HelmLibraryUpgrade(HelmReleaseStorage storage, String kubeconfig, Duration timeout, String description) {
        this.storage = storage;
        this.kubeconfig = kubeconfig;
        this.timeout = timeout;
        this.description = description;
    }

    HelmLibraryUpgrade describedAs(String description) {
        return new HelmLibraryUpgrade(storage, kubeconfig, timeout, description);
    }

    HelmRelease upgrade(String release, Path chart, List<Path> valuesFiles, boolean atomic) {
        // helm-java 0.0.21's upgrade --install ignores the kubeconfig contents when it falls back to an install
        // (seen: it then dials localhost:8080), so a first revision is a plain install.
        Callable<Release> command = storage.history(release).isEmpty()
                ? install(release, chart, valuesFiles, atomic)
                : upgradeCommand(release, chart, valuesFiles, atomic);
        Release done;
        synchronized (ChartRenderer.NATIVE) {
            try {
                done = command.call();
            } catch (Exception e) {
                String helmError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
                List<HelmRelease> history = storage.history(release);
                String recorded = history.isEmpty() ? "nothing is recorded"
                        : "revision " + history.get(history.size() - 1).version() + " is "
                        + history.get(history.size() - 1).statusText();
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "helm upgrade of release " + release
                        + " failed: " + helmError + " (" + recorded + "; helm history " + release + " shows it)", e);
            }
        }
        int revision = Integer.parseInt(done.getRevision().strip());
        return storage.get(release, revision).orElseThrow(() -> new DeployGuardException(ExitCode.FAILURE,
                "helm reported revision " + revision + " of release " + release + " but its record is missing"));
    }

    private Callable<Release> upgradeCommand(String release, Path chart, List<Path> valuesFiles, boolean atomic) {
        UpgradeCommand command = new Helm(chart).upgrade().install().withName(release)
                .withNamespace(storage.namespace()).withKubeConfigContents(kubeconfig)
                .withTimeout((int) Math.max(1, timeout.toSeconds()));
        for (Path values : valuesFiles) {
            command = command.withValuesFile(values);
        }
        if (description != null && !description.isEmpty()) {
            command = command.withDescription(description);
        }
        return atomic ? command.atomic() : command;
    }

    private Callable<Release> install(String release, Path chart, List<Path> valuesFiles, boolean atomic) {
        InstallCommand command = new Helm(chart).install().withName(release)
                .withNamespace(storage.namespace()).withKubeConfigContents(kubeconfig)
                .withTimeout((int) Math.max(1, timeout.toSeconds()));
        for (Path values : valuesFiles) {
            command = command.withValuesFile(values);
        }
        return atomic ? command.atomic() : command;
    }
}
