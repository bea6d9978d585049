package dev.deployguard.kubernetes.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.leader.ControlPlaneLeadership;
import dev.deployguard.kubernetes.leader.PodRoleLabel;
import dev.deployguard.kubernetes.progressive.AppObjects;
import dev.deployguard.kubernetes.progressive.AppWorkload;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen;
import dev.deployguard.kubernetes.progressive.KubernetesCanary;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import dev.deployguard.kubernetes.traffic.GatewayCanaryRoute;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The install manifests under {@code deploy/kubernetes}: they parse, the API server takes them, and their RBAC
 * allows every API call DeployGuard makes and nothing it does not. The calls of this module's rollout code are
 * recorded from a run against the mock API server (canary with both routers, blue/green, leader election);
 * those of code exercised elsewhere (history/rollback, Helm storage, cluster checks) are listed in
 * {@link #DECLARED} with the class that makes them.
 */
class InstallManifestsTest {
    private static final Path MANIFESTS = Path.of("..", "deploy", "kubernetes");
    private static final String UNDER_TEST = "deployguard-under-test";
    private static final String SA_NAMESPACE = "deployguard";

    /** A permission one call needs; {@code namespace} null for cluster-scoped or all-namespace calls. */
    record Call(String group, String resource, String verb, String namespace, String source) {
        String key() {
            return group + "/" + resource + ":" + verb;
        }
    }

    /** Calls made by code whose tests live elsewhere; keep in step with those classes. */
    static final List<Call> DECLARED = List.of(
            new Call("apps", "deployments", "get", "shop", "deployment.DeploymentLookup"),
            new Call("apps", "deployments", "update", "shop", "deployment.DeploymentRollback/DeploymentUpdate"),
            new Call("apps", "replicasets", "list", "shop", "deployment.DeploymentLookup"),
            new Call("", "namespaces", "get", null, "deployment.DeploymentLookup, helm.HelmReleaseStorage"),
            new Call("", "secrets", "list", "shop", "helm.HelmReleaseStorage"),
            new Call("", "secrets", "get", "shop", "helm.HelmReleaseStorage"),
            new Call("", "secrets", "create", "shop", "helm.HelmReleaseStorage"),
            new Call("", "secrets", "update", "shop", "helm.HelmReleaseStorage"),
            new Call("", "secrets", "delete", "shop", "helm.HelmReleaseStorage"),
            new Call("apps", "deployments", "delete", "shop", "helm.ManifestApplier (objects a chart dropped)"),
            new Call("", "services", "delete", "shop", "helm.ManifestApplier"),
            new Call("", "configmaps", "get", "shop", "helm.ManifestApplier"),
            new Call("", "configmaps", "create", "shop", "helm.ManifestApplier"),
            new Call("", "configmaps", "update", "shop", "helm.ManifestApplier"),
            new Call("", "configmaps", "delete", "shop", "helm.ManifestApplier"),
            new Call("", "nodes", "list", null, "check.NodeHealthCheck, check.CapacityCheck"),
            new Call("", "pods", "list", null, "check.CapacityCheck (all namespaces), check.PodStatusCheck,"
                    + " check.RollbackImageCheck, prepull.PrePull"),
            new Call("apps", "daemonsets", "get", "shop", "prepull.PrePull"),
            new Call("apps", "daemonsets", "create", "shop", "prepull.PrePull"),
            new Call("apps", "daemonsets", "update", "shop", "prepull.PrePull"),
            new Call("", "serviceaccounts", "get", "shop", "deployment.ImagePullSecrets"));

    private CrudApiServer api;
    private KubernetesClient setup;

    @BeforeEach
    void startServer() {
        api = new CrudApiServer();
        setup = api.newClient();
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    private List<HasMetadata> manifests() throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    all.addAll(setup.load(in).items());
                }
            }
        }
        return all;
    }

    @Test
    void everyManifestParsesAndIsAcceptedByTheApiServer() throws IOException {
        List<HasMetadata> objects = manifests();

        assertThat(objects).extracting(HasMetadata::getKind).containsExactly("Namespace", "ServiceAccount",
                "ClusterRole", "ClusterRole", "ClusterRoleBinding", "ClusterRoleBinding", "Role", "RoleBinding",
                "Deployment", "Service", "Service");
        for (HasMetadata o : objects) {
            assertThat(setup.resource(o).create().getMetadata().getUid()).as(o.getKind()).isNotBlank();
        }
        assertThat(setup.apps().deployments().inNamespace(SA_NAMESPACE).withName("deployguard").get()).isNotNull();
    }

    @Test
    void theControlPlaneDeploymentTakesSecretsOnlyFromSecretsAndIsReachableThroughItsServices() throws IOException {
        List<HasMetadata> objects = manifests();
        Deployment d = only(objects, Deployment.class);
        Service s = service(objects, "deployguard");
        Service leader = service(objects, "deployguard-leader");

        assertThat(objects).noneMatch(o -> o.getKind().equals("Secret"));
        assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("deployguard");
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        for (EnvVar e : c.getEnv()) {
            if (e.getName().matches(".*(PASSWORD|TOKEN|SECRET|STORE_URL|STORE_USER).*")) {
                assertThat(e.getValue()).as(e.getName()).isNull();
                assertThat(e.getValueFrom().getSecretKeyRef()).as(e.getName()).isNotNull();
            }
        }
        assertThat(c.getArgs()).contains("server", "--store-url=$(DEPLOYGUARD_STORE_URL)");
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(s.getSpec().getSelector()).isEqualTo(d.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(c.getPorts()).anySatisfy(p -> assertThat(p.getName())
                .isEqualTo(s.getSpec().getPorts().get(0).getTargetPort().getStrVal()));
        // The leader Service: the same Pods, narrowed to the one that labels itself leader.
        Map<String, String> leaderSelector = new TreeMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
        leaderSelector.put(PodRoleLabel.LABEL, "leader");
        assertThat(leader.getSpec().getSelector()).isEqualTo(leaderSelector);
        assertThat(leader.getSpec().getPorts()).isEqualTo(s.getSpec().getPorts());
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey(PodRoleLabel.LABEL)
                .containsEntry(PodRoleLabel.APP_LABEL, PodRoleLabel.APP);
        // Its Pod's own name and namespace, from the downward API, for the label.
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("POD_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        }).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        });
    }

    private static Service service(List<HasMetadata> objects, String name) {
        return objects.stream().filter(o -> o instanceof Service && o.getMetadata().getName().equals(name))
                .map(Service.class::cast).findFirst().orElseThrow(() -> new AssertionError("no Service " + name));
    }

    @Test
    void rbacAllowsEveryCallDeployGuardMakesAndNothingElse() throws Exception {
        List<HasMetadata> objects = manifests();
        List<Call> calls = new ArrayList<>(recordedCalls());
        calls.addAll(DECLARED);

        for (Call call : calls) {
            assertThat(allowed(objects, call)).as("RBAC allows " + call).isTrue();
        }
        Set<String> granted = new TreeSet<>();
        for (HasMetadata o : objects) {
            for (PolicyRule r : rules(o)) {
                assertThat(r.getApiGroups()).doesNotContain("*");
                assertThat(r.getResources()).doesNotContain("*");
                assertThat(r.getVerbs()).doesNotContain("*");
                for (String g : r.getApiGroups()) {
                    for (String res : r.getResources()) {
                        for (String v : r.getVerbs()) {
                            granted.add(g + "/" + res + ":" + v);
                        }
                    }
                }
            }
        }
        Set<String> used = new TreeSet<>(calls.stream().map(Call::key).toList());
        assertThat(granted).as("granted but never used").isEqualTo(used);
    }

    /** Runs the rollout code of this module against the mock and turns each request it made into a permission. */
    private List<Call> recordedCalls() throws Exception {
        KubernetesClient dg = api.newClient(UNDER_TEST);
        AppObjects app = new AppObjects(setup);
        app.deployment();
        app.service();
        app.ingress();
        app.rolledOut("web");
        setup.resource(new HTTPRouteBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().addNewRule().addNewBackendRef().withName("web").withPort(80).endBackendRef().endRule()
                .endSpec().build()).create();
        AppWorkload workload = new AppWorkload("shop", "web", "web");

        KubernetesCanary canary = new KubernetesCanary(dg, workload, new NginxCanaryRoute(dg, "shop", "web", "web"), 1);
        canary.start(null, "shop/web:v2", "v2");
        app.rolledOut("web");
        canary.start(null, "shop/web:v2", "v2");
        canary.setWeight(1_000);
        canary.abort();
        canary.start(null, "shop/web:v3", "v3");
        canary.promote("v3");
        app.rolledOut("web");
        canary.completePromotion();
        GatewayCanaryRoute gateway = new GatewayCanaryRoute(dg, "shop", "web", "web");
        gateway.open();
        gateway.setWeight(500);
        gateway.weight();
        gateway.close();

        KubernetesBlueGreen blueGreen = new KubernetesBlueGreen(dg, new AppWorkload("shop", "web", "web"));
        blueGreen.deploy(null, "shop/web:v4", "v4");
        app.rolledOut("web-blue");
        blueGreen.deploy(null, "shop/web:v4", "v4");
        blueGreen.promote();
        blueGreen.abort();
        blueGreen.deploy(null, "shop/web:v5", "v5");
        blueGreen.promote();
        blueGreen.scaleDownIdle();

        // Its own Pod, and another replica's Pod still labelled leader (a leader cut off from the API server).
        for (String pod : List.of("deployguard-a", "deployguard-b")) {
            setup.resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace(SA_NAMESPACE)
                    .addToLabels(PodRoleLabel.APP_LABEL, PodRoleLabel.APP).addToLabels(PodRoleLabel.LABEL, "leader")
                    .endMetadata().build()).create();
        }
        try (ControlPlaneLeadership leadership = new ControlPlaneLeadership(dg, SA_NAMESPACE,
                "deployguard-control-plane", "replica-a", new ControlPlaneLeadership.Timing(Duration.ofSeconds(3),
                Duration.ofSeconds(2), Duration.ofMillis(250)), new PodRoleLabel.PodRef(SA_NAMESPACE,
                "deployguard-a"))) {
            leadership.start(() -> { }, () -> { });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!leadership.isLeader() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(leadership.isLeader()).isTrue();
            // Wait for a renewal, so the lease update is recorded too.
            var leases = setup.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                    .inNamespace(SA_NAMESPACE).withName("deployguard-control-plane");
            var acquired = leases.get().getSpec().getRenewTime();
            while (acquired.equals(leases.get().getSpec().getRenewTime()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // And for the labels: its own Pod leader, the other's follower.
            var other = setup.pods().inNamespace(SA_NAMESPACE).withName("deployguard-b");
            while (!"follower".equals(other.get().getMetadata().getLabels().get(PodRoleLabel.LABEL))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(other.get().getMetadata().getLabels()).containsEntry(PodRoleLabel.LABEL, "follower");
            assertThat(setup.pods().inNamespace(SA_NAMESPACE).withName("deployguard-a").get().getMetadata()
                    .getLabels()).containsEntry(PodRoleLabel.LABEL, "leader");
        }
        List<Call> calls = new ArrayList<>();
        for (String request : api.takeRequests(UNDER_TEST)) {
            calls.add(toCall(request));
        }
        assertThat(calls).extracting(Call::key).contains("apps/deployments:create", "apps/deployments:update",
                "/services:update", "networking.k8s.io/ingresses:delete", "gateway.networking.k8s.io/httproutes:update",
                "coordination.k8s.io/leases:create", "coordination.k8s.io/leases:patch", "/pods:get", "/pods:list",
                "/pods:patch");
        assertThat(calls).filteredOn(c -> c.resource().equals("pods"))
                .allSatisfy(c -> assertThat(c.namespace()).isEqualTo(SA_NAMESPACE));
        return calls;
    }

    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$");

    /** "METHOD path" as the permission it needs (API group, resource, verb, namespace). */
    static Call toCall(String request) {
        String method = request.substring(0, request.indexOf(' '));
        String full = request.substring(request.indexOf(' ') + 1);
        String path = full.contains("?") ? full.substring(0, full.indexOf('?')) : full;
        String query = full.contains("?") ? full.substring(full.indexOf('?') + 1) : "";
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            throw new AssertionError("unexpected API path " + path);
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(3) + (m.group(5) == null ? "" : "/" + m.group(5));
        boolean named = m.group(4) != null;
        String verb = switch (method) {
            case "GET" -> query.contains("watch=true") ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method);
        };
        return new Call(group, resource, verb, m.group(2), "recorded: " + request);
    }

    /** Whether the ServiceAccount deployguard/deployguard may make {@code call}, by the manifests' bindings. */
    private static boolean allowed(List<HasMetadata> objects, Call call) {
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRoleBinding b && boundToUs(b.getSubjects())
                    && grants(clusterRole(objects, b.getRoleRef().getName()).getRules(), call)) {
                return true;
            }
            if (o instanceof RoleBinding b && boundToUs(b.getSubjects()) && call.namespace() != null
                    && call.namespace().equals(b.getMetadata().getNamespace())) {
                List<PolicyRule> rules = b.getRoleRef().getKind().equals("ClusterRole")
                        ? clusterRole(objects, b.getRoleRef().getName()).getRules()
                        : role(objects, b.getRoleRef().getName(), call.namespace()).getRules();
                if (grants(rules, call)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean grants(List<PolicyRule> rules, Call call) {
        return rules.stream().anyMatch(r -> r.getApiGroups().contains(call.group())
                && r.getResources().contains(call.resource()) && r.getVerbs().contains(call.verb()));
    }

    private static boolean boundToUs(List<Subject> subjects) {
        return subjects.stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                && s.getName().equals("deployguard") && SA_NAMESPACE.equals(s.getNamespace()));
    }

    private static ClusterRole clusterRole(List<HasMetadata> objects, String name) {
        return objects.stream().filter(o -> o instanceof ClusterRole && o.getMetadata().getName().equals(name))
                .map(ClusterRole.class::cast).findFirst().orElseThrow(() -> new AssertionError("no ClusterRole " + name));
    }

    private static Role role(List<HasMetadata> objects, String name, String namespace) {
        return objects.stream().filter(o -> o instanceof Role && o.getMetadata().getName().equals(name)
                        && namespace.equals(o.getMetadata().getNamespace()))
                .map(Role.class::cast).findFirst().orElseThrow(() -> new AssertionError("no Role " + name));
    }

    private static List<PolicyRule> rules(HasMetadata o) {
        if (o instanceof ClusterRole r) {
            return r.getRules();
        }
        if (o instanceof Role r) {
            return r.getRules();
        }
        return List.of();
    }

    private static <T> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }
}
