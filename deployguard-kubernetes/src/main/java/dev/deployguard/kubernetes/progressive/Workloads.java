package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.traffic.ClusterCalls;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** Reads and optimistic writes of an app's Deployments and Services, with messages that name the object. */
final class Workloads {
    private final KubernetesClient client;
    private final String namespace;

    Workloads(KubernetesClient client, String namespace) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = namespace;
    }

    KubernetesClient client() {
        return client;
    }

    Deployment deployment(String name) {
        return ClusterCalls.call("read Deployment " + namespace + "/" + name,
                () -> client.apps().deployments().inNamespace(namespace).withName(name).get());
    }

    Deployment requireDeployment(String name, String hint) {
        Deployment d = deployment(name);
        if (d == null) {
            throw DeployGuardException.notFound("Deployment " + namespace + "/" + name + " does not exist: " + hint);
        }
        return d;
    }

    Service service(String name) {
        return ClusterCalls.call("read Service " + namespace + "/" + name,
                () -> client.services().inNamespace(namespace).withName(name).get());
    }

    Service requireService(String name, String hint) {
        Service s = service(name);
        if (s == null) {
            throw DeployGuardException.notFound("Service " + namespace + "/" + name + " does not exist: " + hint);
        }
        return s;
    }

    /** Creates {@code desired} or, when it exists, replaces what {@code merge} makes of the current object. */
    <T extends io.fabric8.kubernetes.api.model.HasMetadata> T createOrUpdate(T desired, UnaryOperator<T> merge) {
        String what = "write " + desired.getKind() + " " + namespace + "/" + desired.getMetadata().getName();
        return ClusterCalls.retryOnConflict(what, () -> {
            T current = client.resource(desired).get();
            if (current == null) {
                return client.resource(desired).create();
            }
            T next = merge.apply(client.getKubernetesSerialization().clone(current));
            return next.equals(current) ? current : client.resource(next).update();
        });
    }

    /** Changes an existing Deployment with {@code change}; one PUT unless nothing changes; 409 retried. */
    Deployment editDeployment(String name, String why, UnaryOperator<Deployment> change) {
        return ClusterCalls.retryOnConflict(why, () -> {
            Deployment current = requireDeployment(name, "it disappeared while DeployGuard was changing it");
            Deployment next = change.apply(client.getKubernetesSerialization().clone(current));
            return next.equals(current) ? current : client.resource(next).update();
        });
    }

    /** Changes an existing Service with {@code change}; one PUT unless nothing changes; 409 retried. */
    Service editService(String name, String why, UnaryOperator<Service> change) {
        return ClusterCalls.retryOnConflict(why, () -> {
            Service current = requireService(name, "it disappeared while DeployGuard was changing it");
            Service next = change.apply(client.getKubernetesSerialization().clone(current));
            return next.equals(current) ? current : client.resource(next).update();
        });
    }

    /** Sets a Deployment's replicas with an ordinary update (the mock and some proxies lack {@code /scale}). */
    void scale(String name, int replicas, String why) {
        if (deployment(name) == null) {
            return;
        }
        editDeployment(name, why, d -> {
            d.getSpec().setReplicas(replicas);
            return d;
        });
    }

    /**
     * True once the Deployment controller has acted on the latest spec and every wanted replica runs the latest
     * template and is available (what {@code kubectl rollout status} waits for).
     */
    static boolean rolledOut(Deployment d) {
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return false;
        }
        int wanted = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        return s.getObservedGeneration() != null && s.getObservedGeneration() >= generation
                && orZero(s.getUpdatedReplicas()) >= wanted && orZero(s.getAvailableReplicas()) >= wanted
                && orZero(s.getReplicas()) == wanted;
    }

    /** A copy of {@code template} whose {@code container} (null: the only one) runs {@code image}. */
    static PodTemplateSpec withImage(KubernetesClient client, PodTemplateSpec template, String container,
                                     String image, String where) {
        PodTemplateSpec copy = client.getKubernetesSerialization().clone(template);
        List<Container> containers = copy.getSpec().getContainers();
        Container target = null;
        if (container == null) {
            if (containers.size() != 1) {
                throw DeployGuardException.badInput("Deployment " + where + " has " + containers.size()
                        + " containers: name the one whose image changes (" + names(containers) + ")");
            }
            target = containers.get(0);
        } else {
            for (Container c : containers) {
                if (c.getName().equals(container)) {
                    target = c;
                }
            }
            if (target == null) {
                throw DeployGuardException.badInput("Deployment " + where + " has no container named " + container
                        + " (it has " + names(containers) + ")");
            }
        }
        target.setImage(image);
        return copy;
    }

    private static String names(List<Container> containers) {
        return String.join(", ", containers.stream().map(Container::getName).toList());
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }
}
