package dev.deployguard.kubernetes.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.kubernetes.backup.NamespaceRestore.Action;
import dev.deployguard.kubernetes.backup.NamespaceRestore.ExistingPolicy;
import dev.deployguard.kubernetes.backup.NamespaceRestore.Options;
import dev.deployguard.kubernetes.backup.NamespaceRestore.Phase;
import dev.deployguard.kubernetes.testing.ApiCall;
import dev.deployguard.kubernetes.testing.MockCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionConditionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Namespace backup and restore on fabric8's mock API server (CRUD mode); no controller runs there. */
class NamespaceBackupTest {
    static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder().withGroup("example.com")
            .withVersion("v1").withKind("Widget").withPlural("widgets").withNamespaced(true).build();

    @TempDir
    Path dir;
    MockCluster source;
    MockCluster fresh;
    Thread crdController;
    final AtomicBoolean stop = new AtomicBoolean();

    @BeforeEach
    void givenANamespaceWithACustomResourceAndAWebhookBackend() {
        source = MockCluster.start();
        KubernetesClient c = source.client();
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        c.apiextensions().v1().customResourceDefinitions().resource(crd()).create();
        var widget = new GenericKubernetesResource();
        widget.setApiVersion("example.com/v1");
        widget.setKind("Widget");
        widget.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("w1").withNamespace("shop")
                .build());
        widget.setAdditionalProperty("spec", Map.of("size", 3));
        c.genericKubernetesResources(WIDGETS).inNamespace("shop").resource(widget).create();
        c.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("cfg")
                .addToAnnotations("team", "payments").endMetadata().addToData("k", "v").build()).create();
        c.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("sec").endMetadata()
                .addToStringData("p", "s").build()).create();
        c.serviceAccounts().inNamespace("shop").resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("sa").endMetadata().build()).create();
        c.rbac().roles().inNamespace("shop").resource(new RoleBuilder().withNewMetadata().withName("reader")
                .endMetadata().addNewRule().withApiGroups("").withResources("pods").withVerbs("get").endRule().build())
                .create();
        c.rbac().roleBindings().inNamespace("shop").resource(new RoleBindingBuilder().withNewMetadata()
                .withName("sa-reads").endMetadata().addNewSubject().withKind("ServiceAccount").withName("sa")
                .withNamespace("shop").endSubject().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                .withKind("Role").withName("reader").endRoleRef().build()).create();
        for (String app : List.of("hook", "web")) {
            c.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName(app + "-svc")
                    .endMetadata().withNewSpec().withClusterIP("10.0.0." + app.length()).addToSelector("app", app)
                    .addNewPort().withPort(443).endPort().endSpec().build()).create();
            c.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder().withNewMetadata()
                    .withName(app).withUid("uid-" + app).endMetadata().withNewSpec().withNewSelector()
                    .addToMatchLabels("app", app).endSelector().withNewTemplate().withNewMetadata()
                    .addToLabels("app", app).endMetadata().withNewSpec().addNewContainer().withName(app)
                    .withImage("img").endContainer().endSpec().endTemplate().endSpec().build()).create();
        }
        c.admissionRegistration().v1().validatingWebhookConfigurations().resource(
                new ValidatingWebhookConfigurationBuilder().withNewMetadata().withName("shop-policy").endMetadata()
                        .addNewWebhook().withName("policy.shop.example.com").withNewClientConfig().withNewService()
                        .withNamespace("shop").withName("hook-svc").endService().endClientConfig()
                        .withAdmissionReviewVersions("v1").withSideEffects("None").endWebhook().build()).create();
        c.v1().events().inNamespace("shop").resource(new EventBuilder().withNewMetadata().withName("e1")
                .endMetadata().withReason("Started").build()).create();
    }

    @AfterEach
    void close() throws InterruptedException {
        stop.set(true);
        if (crdController != null) {
            crdController.join();
        }
        source.close();
        if (fresh != null) {
            fresh.close();
        }
    }

    static CustomResourceDefinition crd() {
        return new CustomResourceDefinitionBuilder().withNewMetadata().withName("widgets.example.com").endMetadata()
                .withNewSpec().withGroup("example.com").withScope("Namespaced").withNewNames().withKind("Widget")
                .withPlural("widgets").withSingular("widget").endNames().addNewVersion().withName("v1")
                .withServed(true).withStorage(true).withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema().endVersion().endSpec()
                .build();
    }

    /** Stands in for the API server's own controller: marks every CRD Established a moment after it appears. */
    void runCrdController(KubernetesClient c) {
        crdController = new Thread(() -> {
            while (!stop.get()) {
                for (CustomResourceDefinition d : c.apiextensions().v1().customResourceDefinitions().list().getItems()) {
                    if (!NamespaceRestore.established(d)) {
                        d.setStatus(new CustomResourceDefinitionStatusBuilder().addToConditions(
                                new CustomResourceDefinitionConditionBuilder().withType("Established")
                                        .withStatus("True").build()).build());
                        c.apiextensions().v1().customResourceDefinitions().resource(d).update();
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        crdController.start();
    }

    private Path backup() throws Exception {
        Path file = dir.resolve("shop-20261207.tar.gz");
        var summary = new NamespaceBackup(source.client()).backup("shop", file);
        assertThat(summary.objects()).containsEntry("widgets.example.com", 1)
                .containsEntry("customresourcedefinitions.apiextensions.k8s.io", 1).containsEntry("configmaps", 1)
                .containsEntry("validatingwebhookconfigurations.admissionregistration.k8s.io", 1);
        return file;
    }

    @Test
    void theTarballHasVelerosLayout() throws Exception {
        Path file = backup();
        Map<String, byte[]> entries = Tarball.read(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .as("it holds the namespace's Secrets").isEqualTo("rw-------");

        assertThat(new String(entries.get("metadata/version"), StandardCharsets.US_ASCII)).isEqualTo("1.1.0\n");
        assertThat(entries).containsKeys("resources/namespaces/cluster/shop.json",
                "resources/configmaps/namespaces/shop/cfg.json",
                "resources/configmaps/v1-preferredversion/namespaces/shop/cfg.json",
                "resources/deployments.apps/namespaces/shop/web.json",
                "resources/widgets.example.com/namespaces/shop/w1.json",
                "resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json",
                "resources/validatingwebhookconfigurations.admissionregistration.k8s.io/cluster/shop-policy.json",
                "resources/events/namespaces/shop/e1.json");
        assertThat(new String(entries.get("resources/configmaps/namespaces/shop/cfg.json"), StandardCharsets.UTF_8))
                .contains("\"kind\":\"ConfigMap\"").contains("\"team\":\"payments\"");
    }

    @Test
    void aRestoreIntoAFreshClusterFollowsDependencies() throws Exception {
        Path file = backup();
        fresh = MockCluster.start();
        runCrdController(fresh.client());
        fresh.clearCalls();

        var plan = new NamespaceRestore(fresh.client()).restore(file, new Options(null, ExistingPolicy.NONE,
                Duration.ofSeconds(20), "r1"));

        assertThat(plan.steps()).filteredOn(s -> s.action() == Action.SKIP).extracting(s -> s.resource())
                .containsExactly("events");
        List<String> posts = fresh.calls().stream().filter(c -> c.method().equals("POST") && c.status() < 300)
                .map(ApiCall::path).toList();
        int crdAt = indexOf(posts, "/customresourcedefinitions");
        int nsAt = indexOf(posts, "/api/v1/namespaces");
        int roleAt = indexOf(posts, "/roles");
        int cmAt = indexOf(posts, "/configmaps");
        int hookSvcAt = indexOf(posts, "/services");
        int hookDeployAt = indexOf(posts, "/deployments");
        int webhookAt = indexOf(posts, "/validatingwebhookconfigurations");
        int widgetAt = indexOf(posts, "/widgets");
        int backendsDone = Math.max(hookSvcAt, hookDeployAt);
        assertThat(List.of(crdAt, nsAt, roleAt, cmAt, Math.min(hookSvcAt, hookDeployAt), backendsDone, webhookAt,
                widgetAt)).as("POST order: %s", posts).isSorted().doesNotHaveDuplicates().doesNotContain(-1);
        // The webhook's backend Deployment comes before the webhook; the other Deployment after it.
        assertThat(plan.steps()).filteredOn(s -> s.resource().equals("deployments.apps"))
                .extracting(s -> s.name() + ":" + s.phase())
                .containsExactly("hook:" + Phase.WEBHOOK_BACKENDS, "web:" + Phase.OTHERS);

        KubernetesClient c = fresh.client();
        ConfigMap cm = c.configMaps().inNamespace("shop").withName("cfg").get();
        assertThat(cm.getData()).containsEntry("k", "v");
        assertThat(cm.getMetadata().getAnnotations()).containsEntry("team", "payments");
        assertThat(cm.getMetadata().getLabels()).containsEntry("velero.io/restore-name", "r1")
                .containsEntry("velero.io/backup-name", "shop-20261207");
        assertThat(c.apps().deployments().inNamespace("shop").withName("web").get().getMetadata().getUid())
                .isNotEqualTo("uid-web");
        assertThat(c.services().inNamespace("shop").withName("web-svc").get().getSpec().getClusterIP())
                .as("the old cluster's IP is dropped").isNotEqualTo("10.0.0.3");
        assertThat(c.genericKubernetesResources(WIDGETS).inNamespace("shop").withName("w1").get()
                .getAdditionalProperties().get("spec")).isEqualTo(Map.of("size", 3));
        assertThat(c.v1().events().inNamespace("shop").list().getItems()).isEmpty();
    }

    @Test
    void aCrdThatNeverBecomesEstablishedStopsTheRestoreBeforeItsCustomResources() throws Exception {
        Path file = backup();
        fresh = MockCluster.start();

        assertThatThrownBy(() -> new NamespaceRestore(fresh.client()).restore(file, new Options(null,
                ExistingPolicy.NONE, Duration.ofSeconds(1), "r1")))
                .hasMessageContaining("widgets.example.com was not Established within 1s");
        assertThat(fresh.client().genericKubernetesResources(WIDGETS).inNamespace("shop").list().getItems()).isEmpty();
        assertThat(fresh.client().configMaps().inNamespace("shop").list().getItems()).isEmpty();
    }

    @Test
    void aDryRunIntoAnotherNamespaceListsTheFateOfEachObjectAndChangesNothing() throws Exception {
        Path file = backup();
        var restore = new NamespaceRestore(source.client());
        var options = new Options("shop-copy", ExistingPolicy.NONE, Duration.ofSeconds(5), "r2");

        var plan = restore.plan(file, options);

        assertThat(plan.targetNamespace()).isEqualTo("shop-copy");
        assertThat(plan.steps()).anySatisfy(s -> assertThat(s.toString())
                .isEqualTo("CRDS customresourcedefinitions.apiextensions.k8s.io widgets.example.com: SKIP (exists;"
                        + " existing-object policy none)"));
        assertThat(plan.steps()).anySatisfy(s -> assertThat(s.toString())
                .isEqualTo("CONFIG configmaps shop-copy/cfg: CREATE"));
        assertThat(source.client().namespaces().withName("shop-copy").get()).isNull();

        runCrdController(source.client());
        restore.restore(file, options);
        assertThat(source.client().configMaps().inNamespace("shop-copy").withName("cfg").get()).isNotNull();
        assertThat(source.client().rbac().roleBindings().inNamespace("shop-copy").withName("sa-reads").get()
                .getSubjects().get(0).getNamespace()).isEqualTo("shop-copy");
        // Again, with policy update: the objects now exist and are overwritten; with none they are skipped.
        source.client().configMaps().inNamespace("shop-copy").withName("cfg").edit(cm -> {
            cm.getData().put("k", "changed");
            return cm;
        });
        var again = restore.plan(file, new Options("shop-copy", ExistingPolicy.UPDATE, Duration.ofSeconds(5), "r3"));
        assertThat(again.count(Action.CREATE)).isZero();
        restore.restore(file, new Options("shop-copy", ExistingPolicy.UPDATE, Duration.ofSeconds(5), "r3"));
        assertThat(source.client().configMaps().inNamespace("shop-copy").withName("cfg").get().getData())
                .containsEntry("k", "v");
    }

    @Test
    void aTruncatedTarballIsRefusedAndNothingIsRestored() throws Exception {
        Path file = backup();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        fresh = MockCluster.start();

        assertThatThrownBy(() -> new NamespaceRestore(fresh.client()).plan(file, new Options(null,
                ExistingPolicy.NONE, Duration.ofSeconds(1), "r1")))
                .hasMessageContaining("is truncated or damaged").hasMessageContaining("nothing was restored");
        assertThat(fresh.client().namespaces().list().getItems()).isEmpty();
    }

    @Test
    void verifyRestoresIntoAScratchNamespaceComparesAndRemovesIt() throws Exception {
        Path file = backup();
        var restore = new NamespaceRestore(source.client(), 32);
        source.clearCalls();

        var v = restore.verify(file, Duration.ofSeconds(5));

        assertThat(v.differences()).isEmpty();
        assertThat(v.timings().createMillis()).isEqualTo(v.restoreMillis());
        // Creates run many at a time, but a phase at a time: the namespace, then RBAC, then config, then the
        // webhook's backend, then the rest (the custom resource, the other Deployment).
        List<String> posts = source.calls().stream().filter(c -> c.method().equals("POST") && c.status() < 300)
                .map(ApiCall::path).toList();
        List<String> order = List.of("/api/v1/namespaces", "/roles", "/configmaps", "/services", "/widgets");
        assertThat(order.stream().map(suffix -> indexOf(posts, suffix)).toList()).as("POST order: %s", posts)
                .isSorted().doesNotContain(-1);
        assertThat(posts.lastIndexOf(posts.stream().filter(p -> p.endsWith("/rolebindings")).findFirst()
                .orElseThrow())).isLessThan(indexOf(posts, "/configmaps"));
        assertThat(posts.stream().filter(p -> p.endsWith("/deployments")).count()).isEqualTo(2);
        assertThat(v.ok()).isTrue();
        assertThat(v.scratchNamespace()).startsWith("shop-verify-");
        assertThat(v.objects()).as("namespaced objects but the skipped event").isEqualTo(10);
        assertThat(source.client().namespaces().withName(v.scratchNamespace()).get()).isNull();
        assertThat(source.client().configMaps().inNamespace(v.scratchNamespace()).list().getItems()).isEmpty();

        // A copy the API server refuses is a difference (the verify fails), and the scratch copies still go.
        source.fail("POST", "/api/v1/namespaces/shop-verify-", 403, "Forbidden", 1);
        var refused = restore.verify(file, Duration.ofSeconds(5));
        assertThat(refused.ok()).isFalse();
        assertThat(refused.differences()).singleElement().asString().contains(": not restored (403 ");
        assertThat(source.client().namespaces().withName(refused.scratchNamespace()).get()).isNull();
        assertThat(source.client().configMaps().inNamespace(refused.scratchNamespace()).list().getItems()).isEmpty();

        // Without its CRD the custom resource cannot come back (a real API server refuses it; the mock would not):
        // verify says so instead of passing.
        source.client().apiextensions().v1().customResourceDefinitions().withName("widgets.example.com").delete();
        var broken = restore.verify(file, Duration.ofSeconds(5));
        assertThat(broken.ok()).isFalse();
        assertThat(broken.differences()).anySatisfy(d -> assertThat(d).startsWith(
                "customresourcedefinitions.apiextensions.k8s.io widgets.example.com: not in the cluster"));
    }

    @Test
    void subsetComparisonAllowsServerDefaultsButNotChangedValues() {
        Map<String, Object> backedUp = Map.of("spec", Map.of("replicas", 2, "ports", List.of(Map.of("port", 80))));
        Map<String, Object> defaulted = Map.of("spec", Map.of("replicas", 2, "strategy", "RollingUpdate",
                "ports", List.of(Map.of("port", 80, "protocol", "TCP"))));
        Map<String, Object> changed = Map.of("spec", Map.of("replicas", 3, "ports", List.of(Map.of("port", 80))));

        assertThat(Subset.difference(backedUp, defaulted, "")).isNull();
        assertThat(Subset.difference(backedUp, changed, "")).isEqualTo(".spec.replicas: expected 2, got 3");
    }

    private static int indexOf(List<String> paths, String suffix) {
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i).endsWith(suffix)) {
                return i;
            }
        }
        return -1;
    }
}
