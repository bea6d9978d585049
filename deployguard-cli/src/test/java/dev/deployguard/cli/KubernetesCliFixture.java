package dev.deployguard.cli;

import dev.deployguard.kubernetes.testing.ClusterFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test support: the real CLI and a control plane process ({@link Harness}) driving app {@code web} on the
 * {@link ClusterFixture} cluster. Register it with {@code @RegisterExtension}: the cluster starts before each test
 * (the test then creates what it needs and calls {@link #startControlPlane}), and after it the control plane
 * process stops, then the cluster.
 */
final class KubernetesCliFixture implements BeforeEachCallback, AfterEachCallback {
    private final ClusterFixture cluster = new ClusterFixture();
    private Harness h;

    @Override
    public void beforeEach(ExtensionContext context) {
        cluster.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (h != null) {
            h.close();
            h = null;
        }
        cluster.stop();
    }

    /**
     * Writes the spec of app {@code web} in {@code dir} (see {@link ClusterFixture#writeSpec}) and starts a control
     * plane process on it; returns the harness that runs CLI commands against it.
     */
    Harness startControlPlane(Path dir, String kubernetes, String appKeys) throws Exception {
        h = new Harness(dir, "", 1);
        cluster.writeSpec(h.spec, kubernetes, appKeys);
        h.startServer();
        return h;
    }

    /** Starts the control plane on {@link ClusterFixture#blueGreenApp()}, old slots warm for {@code scaleDownDelay}. */
    Harness startBlueGreen(Path dir, String scaleDownDelay) throws Exception {
        cluster.blueGreenApp();
        return startControlPlane(dir, ClusterFixture.BLUE_GREEN, ClusterFixture.blueGreen(scaleDownDelay));
    }

    /** Starts the control plane on {@link ClusterFixture#canaryApp()}, its canary going through {@code steps}. */
    Harness startCanary(Path dir, String steps) throws Exception {
        cluster.canaryApp();
        return startControlPlane(dir, ClusterFixture.CANARY, ClusterFixture.canary(steps));
    }

    ClusterFixture cluster() {
        return cluster;
    }
}
