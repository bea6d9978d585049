package dev.deployguard.server.kubernetes;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.release.Release;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test support: a real (in-process) control plane driving app {@code web} on the {@link ClusterFixture} cluster.
 * Register it with {@code @RegisterExtension}: the cluster starts before each test (the test then creates what it
 * needs and calls {@link #startControlPlane}), and after it the control plane stops, then the cluster.
 */
public final class KubernetesControlPlaneFixture implements BeforeEachCallback, AfterEachCallback {
    private final ClusterFixture cluster = new ClusterFixture();
    private final Clock clock;
    private ControlPlane cp;

    /** A control plane on the system clock: its rollout runner ticks in real time. */
    public KubernetesControlPlaneFixture() {
        this(Clock.systemUTC());
    }

    /** A control plane on {@code clock} (a SimulatedClock ends delays when the test says). */
    public KubernetesControlPlaneFixture(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        cluster.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (cp != null) {
            cp.close();
            cp = null;
        }
        cluster.stop();
    }

    /**
     * Writes the spec of app {@code web} in {@code dir} (see {@link ClusterFixture#writeSpec}) and starts a control
     * plane on it with its state in {@code dir/state}.
     */
    public ControlPlane startControlPlane(Path dir, String kubernetes, String appKeys) throws IOException {
        Path spec = cluster.writeSpec(dir.resolve("deployguard.yaml"), kubernetes, appKeys);
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null), clock);
        cp.start();
        return cp;
    }

    /** Starts the control plane on {@link ClusterFixture#blueGreenApp()}, old slots warm for {@code scaleDownDelay}. */
    public ControlPlane startBlueGreen(Path dir, String scaleDownDelay) throws IOException {
        cluster.blueGreenApp();
        return startControlPlane(dir, ClusterFixture.BLUE_GREEN, ClusterFixture.blueGreen(scaleDownDelay));
    }

    /** Starts the control plane on {@link ClusterFixture#canaryApp()}, its canary going through {@code steps}. */
    public ControlPlane startCanary(Path dir, String steps) throws IOException {
        cluster.canaryApp();
        return startControlPlane(dir, ClusterFixture.CANARY, ClusterFixture.canary(steps));
    }

    public ClusterFixture cluster() {
        return cluster;
    }

    /** {@code deploy web --version version} by alice, skipping the checklist. */
    public DeployResult deploy(String version) {
        return cp.kubernetes().deploy(new Deployer.DeployRequest("web", version, null, false, null, "alice", true));
    }

    /** The kinds of app web's events, oldest first. */
    public List<String> kinds() {
        return cp.store().events("web", 0, null, 500).stream().map(Event::kind).toList();
    }

    /** The releases of a {@code history} answer. */
    @SuppressWarnings("unchecked")
    public static List<Release> releases(Map<String, Object> history) {
        return (List<Release>) history.get("releases");
    }

    /** The releases of a {@code history} answer as "revision version status". */
    public static List<String> rows(Map<String, Object> history) {
        return releases(history).stream().map(r -> r.revision() + " " + r.version() + " " + r.status()).toList();
    }

    /** The slots of a {@code history} answer as "slot revision role". */
    @SuppressWarnings("unchecked")
    public static List<String> slotRows(Map<String, Object> history) {
        return ((List<Map<String, Object>>) history.get("slots")).stream()
                .map(s -> s.get("slot") + " " + s.get("revision") + " " + s.get("role")).toList();
    }
}
