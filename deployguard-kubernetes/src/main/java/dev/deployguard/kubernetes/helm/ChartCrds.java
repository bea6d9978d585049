package dev.deployguard.kubernetes.helm;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A chart's {@code crds/} directory, installed as helm's {@code Install.installCRDs} does (helm/helm
 * {@code pkg/action/install.go}; helm/helm-www {@code content/en/docs/chart_best_practices/custom_resource_definitions.md}):
 * on a first install only, never templated, never upgraded or deleted; a CRD already present is left as it is;
 * the new ones are awaited until {@code Established} (helm gives them 60 s).
 */
final class ChartCrds {
    private static final Duration ESTABLISH = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private final Duration poll;

    ChartCrds(KubernetesClient client) {
        this.client = client;
        this.poll = HelmRollback.HOOK_POLL;
    }

    void install(Path chart) {
        List<HasMetadata> created = new ArrayList<>();
        for (HasMetadata crd : read(chart, client.getKubernetesSerialization())) {
            try {
                if (client.resource(crd).get() != null) {
                    continue;
                }
                client.resource(crd).create();
                created.add(crd);
            } catch (KubernetesClientException e) {
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "failed to install CRD "
                        + crd.getMetadata().getName() + " from chart " + chart + ": " + e.getMessage(), e);
            }
        }
        long deadline = System.nanoTime() + ESTABLISH.toNanos();
        for (HasMetadata crd : created) {
            while (!established(crd)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "CRD " + crd.getMetadata().getName()
                            + " of chart " + chart + " was not Established within " + ESTABLISH.toSeconds() + " s "
                            + "(helm waits as long); check the API server's apiextensions controller.");
                }
                try {
                    Thread.sleep(poll.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeployGuardException(ExitCode.FAILURE, "interrupted while waiting for CRDs", e);
                }
            }
        }
    }

    private boolean established(HasMetadata crd) {
        GenericKubernetesResource live = client.genericKubernetesResources(crd.getApiVersion(), crd.getKind())
                .withName(crd.getMetadata().getName()).get();
        if (live == null || !(live.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
                || !(status.get("conditions") instanceof List<?> conditions)) {
            return false;
        }
        return conditions.stream().anyMatch(c -> c instanceof Map<?, ?> m && "Established".equals(m.get("type"))
                && "True".equals(m.get("status")));
    }

    /** The objects of the chart's {@code crds/*.yaml|yml|json} files, in file name order. */
    static List<HasMetadata> read(Path chart, KubernetesSerialization serialization) {
        Path dir = chart.resolve("crds");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<HasMetadata> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(ChartCrds::isManifest).sorted().toList()) {
                String text = Files.readString(f);
                objects.addAll(ReleaseManifest.objects(text.startsWith("---") ? text : "---\n" + text,
                        serialization, "CRD file " + f));
            }
        } catch (IOException e) {
            throw DeployGuardException.badInput("The chart's crds/ directory " + dir + " cannot be read: "
                    + e.getMessage() + ".");
        }
        return objects;
    }

    private static boolean isManifest(Path f) {
        String name = f.getFileName().toString();
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }
}
