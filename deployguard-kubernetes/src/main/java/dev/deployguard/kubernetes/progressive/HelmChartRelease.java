package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.HelmStatus;
import dev.deployguard.kubernetes.helm.LiveFields;
import dev.deployguard.kubernetes.helm.ReleaseManifest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Helm release as progressive delivery sees it: the chart directory and values files it is upgraded with, and
 * the one Deployment of the chart that a canary or a blue/green slot is made from ({@code deployment}, or the only
 * Deployment the chart renders). The new version reaches the chart as one more values file (JSON, which is YAML),
 * written last, exactly as a plain {@code deploy} of the release gives it.
 *
 * @param deployment the chart's Deployment to run progressively; null: the only one the chart renders
 */
public record HelmChartRelease(String release, Path chart, List<Path> values, String deployment) {
    /** Annotation on a canary or slot Deployment: the values that carry its version, reused when it is promoted. */
    public static final String VERSION_VALUES = "deployguard.dev/helm-version-values";

    /**
     * What a Helm upgrade or rollback of a progressively delivered release keeps of the live objects:
     * DeployGuard's {@code deployguard.dev/track} label on pod templates, and the track or slot a Service selects,
     * so that replacing the chart's objects neither re-labels the stable pods nor sends users elsewhere.
     * helm's own three-way merge keeps them likewise (the chart never sets them).
     */
    public static final LiveFields KEEP_DEPLOYGUARD_LABELS = (wanted, live) -> {
        if (wanted instanceof Deployment d && live instanceof Deployment l && d.getSpec() != null
                && d.getSpec().getTemplate() != null && d.getSpec().getTemplate().getMetadata() != null) {
            String track = templateLabels(l).get(Labels.TRACK);
            if (track != null) {
                d.getSpec().getTemplate().getMetadata().setLabels(
                        Labels.with(d.getSpec().getTemplate().getMetadata().getLabels(), Labels.TRACK, track));
            }
        } else if (wanted instanceof Service s && live instanceof Service l && s.getSpec() != null
                && l.getSpec() != null && l.getSpec().getSelector() != null) {
            Map<String, String> selector = new LinkedHashMap<>(s.getSpec().getSelector() == null ? Map.of()
                    : s.getSpec().getSelector());
            for (String key : List.of(Labels.TRACK, Labels.SLOT)) {
                String value = l.getSpec().getSelector().get(key);
                if (value != null) {
                    selector.put(key, value);
                }
            }
            s.getSpec().setSelector(selector);
        }
        return wanted;
    };

    public HelmChartRelease {
        values = List.copyOf(values);
    }

    /**
     * Runs {@code use} with the release's values files followed by one holding {@code versionValues} (JSON), and
     * removes that file afterwards.
     */
    public <T> T withVersion(String versionValues, Function<List<Path>, T> use) {
        Path file = null;
        try {
            file = Files.createTempFile("deployguard-helm-version-", ".yaml");
            Files.writeString(file, versionValues);
            List<Path> files = new ArrayList<>(values);
            files.add(file);
            return use.apply(files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the version's values file", e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a temp file left behind holds only the version; the OS temp cleaner removes it
                }
            }
        }
    }

    /** The chart's Deployment as the chart renders it with {@code versionValues}: the canary's or slot's source. */
    public Deployment render(KubernetesClient client, ChartRenderer renderer, String namespace,
                             String versionValues) {
        String manifest = withVersion(versionValues, files -> renderer.template(chart, release, namespace, files));
        return deploymentOf(ReleaseManifest.objects(manifest, client.getKubernetesSerialization(), "chart " + chart),
                "chart " + chart + " (rendered for release " + release + ")");
    }

    /**
     * The name of the chart's Deployment in the deployed revision of the release (no API call when the spec names
     * it). NOT_FOUND when the release has no deployed revision.
     */
    public String deploymentName(KubernetesClient client, HelmReleaseStorage storage) {
        if (deployment != null) {
            return deployment;
        }
        HelmRelease deployed = storage.requireHistory(release).stream()
                .filter(r -> r.status() == HelmStatus.DEPLOYED).reduce((a, b) -> b)
                .orElseThrow(() -> DeployGuardException.notFound("Helm release " + storage.namespace() + "/" + release
                        + " has no deployed revision; deploy or roll it back to one first (helm history " + release
                        + " -n " + storage.namespace() + ")"));
        return deploymentOf(ReleaseManifest.objects(deployed.manifest(), client.getKubernetesSerialization(),
                deployed.key()), "Helm release " + storage.namespace() + "/" + release + " revision "
                + deployed.version()).getMetadata().getName();
    }

    private Deployment deploymentOf(List<HasMetadata> objects, String where) {
        List<Deployment> all = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .toList();
        List<String> names = all.stream().map(d -> d.getMetadata().getName()).toList();
        if (deployment != null) {
            return all.stream().filter(d -> deployment.equals(d.getMetadata().getName())).findFirst()
                    .orElseThrow(() -> DeployGuardException.badInput(where + " has no Deployment named " + deployment
                            + " (platform.kubernetes.helm.deployment); it has " + (names.isEmpty() ? "none"
                            : String.join(", ", names))));
        }
        if (all.size() != 1) {
            throw DeployGuardException.badInput(where + " has " + (all.isEmpty() ? "no Deployment"
                    : all.size() + " Deployments (" + String.join(", ", names) + ")") + "; canary and blue/green run"
                    + " one Deployment of the chart: name it in platform.kubernetes.helm.deployment");
        }
        return all.get(0);
    }

    private static Map<String, String> templateLabels(Deployment d) {
        return d.getSpec() == null || d.getSpec().getTemplate() == null
                || d.getSpec().getTemplate().getMetadata() == null
                || d.getSpec().getTemplate().getMetadata().getLabels() == null ? Map.of()
                : d.getSpec().getTemplate().getMetadata().getLabels();
    }
}
