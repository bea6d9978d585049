package dev.deployguard.server.deploy;

import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.testing.InMemoryStore;
import dev.deployguard.testing.SimulatedClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The local control plane's parts over an in-memory store and a simulated clock, for unit tests of the deploy
 * package. No router process is ever started: the store has no router record, so {@link RouterProcesses} only
 * reports "no router yet", which its callers tolerate. Instances are real but trivial processes ({@code sleep}),
 * because {@link LocalPlatform} is a final class with no interface to fake.
 */
final class LocalPlaneFixture implements AutoCloseable {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    final Path stateDir;
    final InMemoryStore store = new InMemoryStore();
    final SimulatedClock clock = new SimulatedClock(T0);
    final SpecSource specs;
    final LocalPlatform platform;
    final EventLog events;
    final AppLocks appLocks = new AppLocks();
    final RouterProcesses routers;

    LocalPlaneFixture(Path stateDir, String appYaml) {
        this.stateDir = stateDir;
        try {
            Path spec = stateDir.resolve("deployguard.yaml");
            Files.writeString(spec, "apps:\n" + appYaml.indent(2));
            this.specs = new SpecSource(spec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.platform = new LocalPlatform(stateDir, clock);
        this.events = new EventLog(store, clock);
        this.routers = new RouterProcesses(store, stateDir, stateDir.resolve("token"), "token", events, clock);
    }

    /** An app {@code web} whose instances are {@code sleep} processes probed on {@code /ready}. */
    static String sleepingApp(int instances) {
        return """
                web:
                  platform:
                    local:
                      command: ["sleep", "600"]
                      env:
                        PORT_GIVEN: "${port}"
                      listen: "127.0.0.1:1"
                      instances: %d
                      readiness:
                        path: /ready
                """.formatted(instances);
    }

    /** Records release {@code version} of {@code web} with the given status. */
    /** The local platform's rollout runner, wired as ControlPlane wires it (no checklist). */
    RolloutRunner runner() {
        LocalInstances instances = new LocalInstances(store, platform, routers, events, appLocks, clock);
        var local = new dev.deployguard.server.deploy.local.LocalTarget.Parts(store, routers, events, instances, clock);
        return new RolloutRunner(store, specs, events, appLocks, clock, "cp-test", Analyses::forSpec,
                app -> dev.deployguard.server.deploy.local.LocalTarget.of(local, app));
    }

    /** A deployer wired as ControlPlane wires it, with no checklist. */
    Deployer deployer(RolloutRunner rollouts) {
        LocalInstances instances = new LocalInstances(store, platform, routers, events, appLocks, clock);
        return new Deployer(store, specs, platform, routers, events, appLocks, clock, "cp-test", instances, rollouts,
                null);
    }

    Release release(String version, ReleaseStatus status) {
        Release r = store.createRelease(new Release("web", 1, version, List.of("sleep", "600"), Map.of(), 1,
                "sha256:" + version, null, "alice", clock.instant(), ReleaseStatus.PENDING, null));
        if (status == ReleaseStatus.DEPLOYED) {
            store.markDeployed("web", r.revision());
        } else {
            store.setStatus("web", r.revision(), status);
        }
        return store.release("web", r.revision()).orElseThrow();
    }

    /** An instance record whose process has already exited: what the supervisor sees after a crash. */
    Instance deadInstance(Release release, int index, int port) {
        try {
            Process p = new ProcessBuilder("true").start();
            Instant started = p.info().startInstant().orElse(null);
            p.waitFor();
            Path log = stateDir.resolve("dead-" + index + ".log");
            Files.writeString(log, "listening on " + port + "\npanic: out of memory\n");
            Instance i = new Instance("web", release.revision(), index, p.pid(), started, port, log.toString(),
                    clock.instant());
            store.saveInstance(i);
            return i;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A live instance of {@code release} started by the real platform, recorded in the store. */
    Instance liveInstance(Release release, int index) {
        Instance i = platform.start(release, specs.app("web").local(), index);
        store.saveInstance(i);
        return i;
    }

    /** Kills an instance's process and waits until it is gone (reaped), as a crash would leave it. */
    void crash(Instance i) {
        var handle = ProcessHandle.of(i.pid());
        platform.kill(i);
        handle.ifPresent(h -> h.onExit().join());
    }

    /** Kills every process the store still records, so no test leaves one behind. */
    @Override
    public void close() {
        for (String app : store.apps()) {
            store.instances(app).forEach(platform::kill);
        }
        routers.stopHostRouter();
    }
}
