package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.gitops.Deployed;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.gitops.Controller;
import dev.deployguard.kubernetes.gitops.FluxHelmRelease;
import dev.deployguard.kubernetes.gitops.Owner;
import dev.deployguard.kubernetes.gitops.OwnerDetection;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.spec.AppSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Helm release app that Flux (or Argo CD) owns. The owner is found on the release's Deployment (Flux's
 * {@code helm.toolkit.fluxcd.io} labels, Argo CD's tracking annotation), else as a HelmRelease named like the
 * release in the app's namespace. Before a Helm rollback: a HelmRelease that already remediated by itself is left
 * to it; an owner that would undo the rollback is refused or suspended ({@code gitops.autoSync}); Argo CD, which
 * renders charts itself and keeps no Helm release, is refused.
 */
final class HelmGitOps {
    private final EventLog events;
    private final GitOpsRollback gitops;

    HelmGitOps(EventLog events, GitOpsRollback gitops) {
        this.events = events;
        this.gitops = gitops;
    }

    /** The release's live Deployment (the first one its manifest renders), or null. */
    static Deployment workload(KubernetesClient client, String namespace, HelmRelease deployed) {
        if (deployed == null || deployed.manifest().isBlank()) {
            return null;
        }
        for (HasMetadata o : client.load(new ByteArrayInputStream(deployed.manifest()
                .getBytes(StandardCharsets.UTF_8))).items()) {
            if (o instanceof Deployment d) {
                return client.apps().deployments().inNamespace(namespace).withName(d.getMetadata().getName()).get();
            }
        }
        return null;
    }

    /**
     * How git names what a Helm revision deploys: the image of the first Deployment its manifest renders (the
     * container {@code container}, else the first one), as {@link Deployed.Mentions#image}; when the manifest renders
     * no Deployment with an image, {@code version} (the revision's {@code image.tag}, else its chart's appVersion) as a
     * whole word.
     */
    static Deployed deployedBy(KubernetesClient client, String container, HelmRelease r, String version) {
        if (!r.manifest().isBlank()) {
            for (HasMetadata o : client.load(new ByteArrayInputStream(r.manifest()
                    .getBytes(StandardCharsets.UTF_8))).items()) {
                if (o instanceof Deployment d && d.getSpec() != null && d.getSpec().getTemplate() != null
                        && d.getSpec().getTemplate().getSpec() != null) {
                    Optional<String> image = d.getSpec().getTemplate().getSpec().getContainers().stream()
                            .filter(c -> container == null || container.equals(c.getName()))
                            .map(Container::getImage).filter(i -> i != null && !i.isBlank()).findFirst();
                    if (image.isPresent()) {
                        return Deployed.Mentions.image(image.get());
                    }
                }
            }
        }
        return new Deployed.Mentions(List.of(version));
    }

    static Optional<Owner> owner(KubernetesClient client, AppSpec app, String release, Deployment workload) {
        OwnerDetection detection = new OwnerDetection(client, app.gitops().argocdNamespace());
        Optional<Owner> found = detection.detect(workload);
        if (found.isPresent()) {
            return found;
        }
        Owner byName = detection.read(Controller.FLUX_HELM_RELEASE, app.kubernetes().namespace(), release,
                "a HelmRelease named like the Helm release");
        return byName.exists() && !byName.automation().isUnknown() ? Optional.of(byName) : Optional.empty();
    }

    /** For {@code status}: the owner and, for a HelmRelease, its history and remediation state. */
    static Map<String, Object> describe(KubernetesClient client, Owner o) {
        Map<String, Object> m = new LinkedHashMap<>(o.toMap());
        if (o.controller() == Controller.FLUX_HELM_RELEASE && o.named() && o.exists()) {
            FluxHelmRelease.State s = new FluxHelmRelease(client).state(o.namespace(), o.name());
            m.put("history", s.history());
            m.put("remediation", s.remediation().describe());
        }
        return m;
    }

    /**
     * Runs before the Helm rollback: empty to go ahead (the owner is out of the way), or the answer when the
     * HelmRelease already rolled back by itself. Throws, changing nothing, when the owner may not be worked around.
     */
    Optional<DeployResult> before(KubernetesClient client, AppSpec app, Owner owner, Integer toRevision,
                                  String actor) {
        if (owner.controller() == Controller.ARGO_CD_APPLICATION) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is " + owner.describe() + "; Argo CD"
                    + " renders Helm charts itself and keeps no Helm release history, so a Helm rollback beside it"
                    + " would be undone. Nothing was changed. Declare the app by its Deployment"
                    + " (platform.kubernetes.deployment) to roll back through Argo CD's history");
        }
        if (owner.controller() == Controller.FLUX_HELM_RELEASE && owner.named() && owner.exists()
                && toRevision == null && owner.automation().automated()) {
            FluxHelmRelease.State s = new FluxHelmRelease(client).state(owner.namespace(), owner.name());
            if (s.remediation().remediated()) {
                String text = owner.title() + " already remediated by itself (" + s.remediation().describe()
                        + "); nothing to roll back. Pick a revision with --to-revision to roll back further";
                events.record(app.name(), null, actor, EventKinds.ROLLBACK_SUCCEEDED, text,
                        Map.of("owner", owner.title()));
                return Optional.of(new DeployResult(null, null, 0, text));
            }
        }
        gitops.hold(app, client, owner, actor, "rollback");
        return Optional.empty();
    }

    /** After the Helm rollback: the owner's state said, and the Deployment watched for a fight. */
    DeployResult after(KubernetesClient client, AppSpec app, Owner owner, Deployment workload, DeployResult result,
                       GitOpsRollback.Undo again, String actor) {
        DeployResult said = owner.named() && owner.controller() != Controller.ARGO_CD_APPLICATION
                ? GitOpsRollback.staysSuspended(owner, result) : result;
        return workload == null ? said : gitops.watchLive(app, client, workload, owner, said, again, actor);
    }
}
