package dev.deployguard.kubernetes.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeClientCacheTest {
    @TempDir
    Path dir;
    private MockCluster cluster;
    private Path kubeconfig;
    /** Every real client the cache opened, in order, with how often it was closed for real. */
    private final List<Opened> opened = new ArrayList<>();
    private KubeClientCache cache;

    private record Opened(KubernetesClient client, AtomicInteger closes) {
    }

    @BeforeEach
    void start() throws Exception {
        cluster = MockCluster.start();
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, MockCluster.kubeconfigText(cluster.url(), "default"));
        cache = new KubeClientCache((spec, env) -> {
            KubernetesClient real = KubeClients.open(spec, env);
            AtomicInteger closes = new AtomicInteger();
            KubernetesClient counted = (KubernetesClient) Proxy.newProxyInstance(
                    KubernetesClient.class.getClassLoader(), new Class<?>[] {KubernetesClient.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("close") && method.getParameterCount() == 0) {
                            closes.incrementAndGet();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            opened.add(new Opened(counted, closes));
            return counted;
        }, Map.of());
    }

    @AfterEach
    void stop() {
        cache.close();
        cluster.close();
    }

    private KubernetesSpec spec(String namespace) {
        return new KubernetesSpec(namespace, "mock", kubeconfig, null, null, null, null, null, Duration.ofMinutes(1));
    }

    /** A call that needs a working client: create a ConfigMap in the client's namespace and read it back. */
    private static void roundTrip(KubernetesClient client, String name) {
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata()
                .addToData("k", "v").build()).create();
        assertThat(client.configMaps().withName(name).get().getData()).containsEntry("k", "v");
    }

    @Test
    void equalSpecsShareOneRealClient() {
        try (KubernetesClient first = cache.apply(spec("shop"));
             KubernetesClient second = cache.apply(spec("shop"))) {
            roundTrip(first, "a");
            assertThat(second.configMaps().withName("a").get()).isNotNull();
            assertThat(second.getNamespace()).isEqualTo("shop");
        }
        try (KubernetesClient third = cache.apply(spec("shop"))) {
            roundTrip(third, "b");
        }

        assertThat(opened).hasSize(1);
        assertThat(opened.get(0).closes()).hasValue(0);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void anotherNamespaceOrContextGetsItsOwnClient() {
        try (KubernetesClient shop = cache.apply(spec("shop")); KubernetesClient other = cache.apply(spec("other"))) {
            assertThat(shop.getNamespace()).isEqualTo("shop");
            assertThat(other.getNamespace()).isEqualTo("other");
        }
        try (KubernetesClient current = cache.apply(new KubernetesSpec("shop", null, kubeconfig, null, null, null,
                null, null, Duration.ofMinutes(1)))) {
            assertThat(current.getNamespace()).isEqualTo("shop");
        }
        assertThat(opened).hasSize(3);
    }

    @Test
    void closingTheViewLeavesTheSharedClientUsable() {
        KubernetesClient view = cache.apply(spec("shop"));
        view.close();
        view.close(); // a second close of the same view gives nothing back twice

        roundTrip(view, "after-close");
        try (KubernetesClient again = cache.apply(spec("shop"))) {
            assertThat(again.configMaps().withName("after-close").get()).isNotNull();
        }
        assertThat(opened).hasSize(1);
        assertThat(opened.get(0).closes()).hasValue(0);
    }

    @Test
    void aChangedKubeconfigGivesANewClientAndClosesTheOldOnceItsViewsAreBack() throws Exception {
        KubernetesClient held = cache.apply(spec("shop"));
        try (KubernetesClient done = cache.apply(spec("shop"))) {
            roundTrip(done, "before");
        }

        // The same cluster under a new user entry: a different file (size and time) for the same target.
        Files.writeString(kubeconfig, MockCluster.kubeconfigText(cluster.url(), "default") + "# rotated\n");
        Files.setLastModifiedTime(kubeconfig, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        try (KubernetesClient fresh = cache.apply(spec("shop"))) {
            roundTrip(fresh, "after");
        }

        assertThat(opened).hasSize(2);
        assertThat(opened.get(0).closes()).as("a view handed out before the change is still in use").hasValue(0);
        assertThat(held.configMaps().withName("before").get()).isNotNull();
        held.close();
        assertThat(opened.get(0).closes()).as("closed for real once its last view is back").hasValue(1);
        assertThat(opened.get(1).closes()).hasValue(0);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void closingTheCacheClosesEveryClientAndRefusesNewOnes() {
        cache.apply(spec("shop"));
        cache.apply(spec("other")).close();

        cache.close();

        assertThat(opened).hasSize(2).allSatisfy(o -> assertThat(o.closes()).hasValue(1));
        assertThat(cache.size()).isZero();
        assertThatThrownBy(() -> cache.apply(spec("shop"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aBadKubeconfigIsBadInputAndNotCached() throws Exception {
        KubernetesSpec unknown = new KubernetesSpec("shop", "kind-prod", kubeconfig, null, null, null, null, null,
                Duration.ofMinutes(1));
        assertThatThrownBy(() -> cache.apply(unknown)).isInstanceOfSatisfying(DeployGuardException.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT)).hasMessageContaining("kind-prod");
        assertThat(cache.size()).isZero();

        Files.writeString(kubeconfig, MockCluster.kubeconfigText(cluster.url(), "default").replace("mock",
                "kind-prod"));
        try (KubernetesClient fixed = cache.apply(unknown)) {
            roundTrip(fixed, "fixed");
        }
    }
}
