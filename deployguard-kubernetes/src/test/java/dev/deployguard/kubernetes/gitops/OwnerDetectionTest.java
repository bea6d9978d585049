package dev.deployguard.kubernetes.gitops;

import static dev.deployguard.kubernetes.gitops.GitOpsFixture.NS;
import static dev.deployguard.kubernetes.gitops.GitOpsFixture.TARGET;
import static dev.deployguard.kubernetes.gitops.GitOpsFixture.WEB;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Who owns a Deployment, from the marks Argo CD and Flux leave, and what its automation does. */
class OwnerDetectionTest {
    private final GitOpsFixture f = new GitOpsFixture();
    private final OwnerDetection detection = new OwnerDetection(f.client, "argocd");

    @AfterEach
    void stop() {
        f.close();
    }

    private Deployment web() {
        return f.client.apps().deployments().inNamespace(NS).withName(WEB).get();
    }

    @Test
    void argoTrackingAnnotationWithSelfHeal() {
        f.gitops.argoApplication("argocd", "shop", TARGET, true, true);

        Owner o = detection.detect(web()).orElseThrow();

        assertThat(o.controller()).isEqualTo(Controller.ARGO_CD_APPLICATION);
        assertThat(o.describe()).isEqualTo("owned by Argo CD Application argocd/shop, auto-sync with self-heal on,"
                + " prune on");
        assertThat(o.automation().revertsChanges()).isTrue();
    }

    @Test
    void argoApplicationOutsideArgoNamespaceIsNamedByTheTrackingId() {
        f.gitops.argoApplication("team-a", "shop", TARGET, false, false);

        Owner o = detection.detect(web()).orElseThrow();

        assertThat(o.title()).isEqualTo("Argo CD Application team-a/shop");
        assertThat(o.describe()).endsWith("manual sync (auto-sync off)");
        assertThat(o.automation().revertsChanges()).isFalse();
    }

    @Test
    void fluxKustomizationLabels() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();

        Owner o = detection.detect(web()).orElseThrow();

        assertThat(o.describe()).isEqualTo("owned by Flux Kustomization flux-system/apps, reconciled every 10m with"
                + " drift correction on, last applied main@sha1:" + GitOpsFixture.V1);
    }

    @Test
    void suspendedHelmReleaseDoesNotRevert() {
        f.gitops.helmRelease(NS, "web", TARGET);
        new FluxSuspension(f.client, f.clock).suspend(Controller.FLUX_HELM_RELEASE, NS, "web", "test");

        Owner o = detection.detect(web()).orElseThrow();

        assertThat(o.describe()).isEqualTo("owned by Flux HelmRelease shop/web, suspended");
        assertThat(o.automation().revertsChanges()).isFalse();
    }

    @Test
    void labelsNamingAMissingOwnerSaySo() {
        f.client.apps().deployments().inNamespace(NS).withName(WEB).edit(d -> {
            d.getMetadata().setLabels(Map.of(OwnerDetection.KUSTOMIZE_NAME, "gone",
                    OwnerDetection.KUSTOMIZE_NAMESPACE, "flux-system"));
            return d;
        });

        Owner o = detection.detect(web()).orElseThrow();

        assertThat(o.exists()).isFalse();
        assertThat(o.describe()).isEqualTo("marked as owned by Flux Kustomization flux-system/gone (labels"
                + " kustomize.toolkit.fluxcd.io/name/namespace), but there is no such Kustomization");
    }

    @Test
    void helmsInstanceLabelAloneIsNotArgo() {
        f.client.apps().deployments().inNamespace(NS).withName(WEB).edit(d -> {
            d.getMetadata().setLabels(Map.of(OwnerDetection.INSTANCE_LABEL, "web"));
            return d;
        });

        assertThat(detection.detect(web())).isEmpty();
    }

    @Test
    void instanceLabelWithAnApplicationOfThatNameIsArgoLabelTracking() {
        f.gitops.argoApplication("argocd", "web", TARGET, false, false);
        f.client.apps().deployments().inNamespace(NS).withName(WEB).edit(d -> {
            d.getMetadata().setAnnotations(Map.of());
            d.getMetadata().setLabels(Map.of(OwnerDetection.INSTANCE_LABEL, "web"));
            return d;
        });

        assertThat(detection.detect(web()).orElseThrow().evidence()).contains("Argo CD label tracking");
    }

    @Test
    void aManagerAloneIsReportedWithoutAName() {
        f.client.apps().deployments().inNamespace(NS).withName(WEB).edit(d -> {
            d.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("kubectl")
                    .build(), new ManagedFieldsEntryBuilder().withManager("kustomize-controller").build()));
            return d;
        });

        Owner o = detection.detect(web()).orElseThrow();

        assertThat(o.named()).isFalse();
        assertThat(o.describe()).isEqualTo("managed by kustomize-controller (managedFields manager"
                + " kustomize-controller; no label names its Kustomization)");
    }

    @Test
    void aPlainDeploymentHasNoOwner() {
        assertThat(detection.detect(web())).isEmpty();
    }
}
