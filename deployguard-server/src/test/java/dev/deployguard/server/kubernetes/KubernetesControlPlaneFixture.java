package dev.deployguard.server.kubernetes;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.Await;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.release.Release;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.testing.SimulatedClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /**
     * A control plane on {@code clock}. On a SimulatedClock the test owns time: the control plane runs no loop of its
     * own ({@link ControlPlane.Config#withCallerTicks()}), and every round happens on the test's thread at the instant
     * the clock reads then ({@link #tickAt}, {@link #await}); a loop's tick on its own thread between two steps of the
     * test would act at whatever the clock read at that moment.
     */
    public KubernetesControlPlaneFixture(Clock clock) {
        this.clock = clock;
    }

    private ControlPlane.Config config(Path dir, Path spec) {
        var config = new ControlPlane.Config(dir.resolve("state"), spec, null, null, null);
        return clock instanceof SimulatedClock ? config.withCallerTicks() : config;
    }

    /**
     * Waits (bounded, {@link Await#LIMIT}) until {@code condition} holds. In simulated time the control plane has no
     * loop of its own, so the wait runs its rounds ({@link ControlPlane#tick()}) at the clock's current instant: what
     * the loops would do, on the test's thread, with the clock standing still. A round at most every {@link
     * #ROUND_EVERY} of real time, as often as the rollout loop of a server: the cluster simulator in the background
     * needs a moment between two of them.
     */
    public void await(String what, java.util.function.BooleanSupplier condition) {
        if (!(clock instanceof SimulatedClock)) {
            Await.await(what, condition);
            return;
        }
        long[] lastRound = {System.nanoTime() - ROUND_EVERY.toNanos()};
        Await.await(what, () -> {
            if (cp != null && System.nanoTime() - lastRound[0] >= ROUND_EVERY.toNanos()) {
                cp.tick();
                lastRound[0] = System.nanoTime();
            }
            return condition.getAsBoolean();
        });
    }

    /** How often {@link #await} runs a round of the control plane's loops in simulated time (real time). */
    private static final Duration ROUND_EVERY = Duration.ofMillis(200);

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
        cp = new ControlPlane(config(dir, spec), clock);
        cp.start();
        return cp;
    }

    /**
     * Stops the control plane and starts a new one on the same spec and state in {@code dir} (as after a crash, the
     * store is all that carries over).
     */
    public ControlPlane restartControlPlane(Path dir) {
        cp.close();
        cp = new ControlPlane(config(dir, dir.resolve("deployguard.yaml")), clock);
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

    /**
     * Starts the control plane on app {@code web} as {@link ClusterFixture#canaryApp()} has it, but with no controller
     * running: the test rolls the cluster's Deployments itself ({@code simulator().settle}) and ticks the runner after
     * each {@link #tickAt}. The canary goes through {@code steps} and prepares under {@code progressDeadlineSeconds}.
     */
    public ControlPlane startHandRolledCanary(Path dir, String steps, int progressDeadlineSeconds) throws IOException {
        cluster.app().deployment();
        cluster.app().service();
        cluster.app().ingress();
        cluster.simulator().settle(10);
        return startControlPlane(dir, ClusterFixture.CANARY, ClusterFixture.canary(steps)
                + "    progressDeadlineSeconds: " + progressDeadlineSeconds + "\n");
    }

    /** Moves the (simulated) clock on to {@code at} and ticks the rollout runner once. */
    public void tickAt(Instant at) {
        if (!(clock instanceof SimulatedClock simulated)) {
            throw new IllegalStateException("tickAt needs the fixture made with a SimulatedClock");
        }
        simulated.advance(Duration.between(simulated.instant(), at));
        cp.rollouts().tick();
    }

    /**
     * {@code deploy web --version version --timeout timeout} by alice, skipping the checklist, answered as the request
     * returns (unlike {@link #deploy(String)}, it does not wait for the rollout's first step).
     */
    public DeployResult submit(String version, Duration timeout) {
        return cp.kubernetes().deploy(new Deployer.DeployRequest("web", version, null, false, timeout, "alice", true));
    }

    /** App web's active rollout. */
    public Optional<Rollout> active() {
        return cp.store().activeRollout("web");
    }

    /** App web's events of {@code kind}, oldest first. */
    public List<Event> events(String kind) {
        return cp.store().events("web", 0, null, 500).stream().filter(e -> e.kind().equals(kind)).toList();
    }

    /**
     * Waits until the blue/green slot {@code slot} runs {@code image} and Service web-preview (written just after the
     * slot) selects {@code previewSelector}.
     */
    public void awaitPreviewed(String slot, String image, Map<String, String> previewSelector) {
        await("slot " + slot + " previewed", () -> cluster.deployment(slot) != null
                && image.equals(cluster.image(slot)) && hasService("web-preview")
                && previewSelector.equals(cluster.selector("web-preview")));
    }

    /** Whether Service {@code name} exists in namespace shop. */
    public boolean hasService(String name) {
        return cluster.client().services().inNamespace("shop").withName(name).get() != null;
    }

    /** The running control plane. */
    public ControlPlane controlPlane() {
        return cp;
    }

    public ClusterFixture cluster() {
        return cluster;
    }

    /**
     * {@code deploy web --version version} by alice, skipping the checklist; a canary's deploy answers while its
     * canary is being prepared, so this then waits (as the CLI's {@code deploy} does) until the rollout has taken
     * its first step or ended.
     */
    public DeployResult deploy(String version) {
        DeployResult r = cp.kubernetes().deploy(new Deployer.DeployRequest("web", version, null, false, null, "alice",
                true));
        if (r.message().contains(" preparing: ")) {
            await("the rollout of " + version + " to take its first step", this::firstStepTaken);
        }
        return r;
    }

    /**
     * Whether app web's rollout is prepared and its first weight (a strategy starting with setWeight) is on the
     * cluster: the store says the step first, then the target writes it and records traffic.switched. Or it ended.
     */
    private boolean firstStepTaken() {
        if (preparing()) {
            return false;
        }
        var active = cp.store().activeRollout("web");
        if (active.isEmpty()) {
            return true;
        }
        if (active.get().kind() == dev.deployguard.rollout.RolloutKind.BLUE_GREEN) {
            // No weights: its first step is stored once it leaves the bare PROGRESSING state start() saves.
            Rollout r = active.get();
            return r.phase() != Rollout.Phase.PROGRESSING || r.waiting() != null || r.stepIndex() > 0;
        }
        List<Event> events = cp.store().events("web", 0, null, 500);
        int started = events.stream().map(Event::kind).toList().lastIndexOf("rollout.started");
        return started >= 0 && active.get().weight() > 0 && events.subList(started, events.size()).stream().anyMatch(e ->
                e.kind().equals("traffic.switched")
                        && String.valueOf(active.get().weight()).equals(String.valueOf(e.data().get("weight"))));
    }

    /** Whether app web's rollout is still being prepared (no traffic on its canary yet). */
    public boolean preparing() {
        return active().map(x -> x.waiting() instanceof Waiting.Preparing).orElse(false);
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
