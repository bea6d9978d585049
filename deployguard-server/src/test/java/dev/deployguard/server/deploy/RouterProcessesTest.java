package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.router.HostRouterMain;
import dev.deployguard.store.RouterStore.RouterRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Router supervision in simulated time: a router that cannot start (its listen address is held by the test) is
 * retried with backoff and reported once, not four times a second (issue 19: 897 {@code router.crashed} events in
 * seven minutes); its dead pid is cleared from the record. The host router itself starts; the app's address is what
 * it cannot take.
 */
class RouterProcessesTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;
    ServerSocket squatter;

    @BeforeEach
    void wire() throws IOException {
        plane = new LocalPlaneFixture(dir, LocalPlaneFixture.sleepingApp(1));
        java.nio.file.Files.writeString(dir.resolve("token"), "token");
        squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void cleanUp() throws IOException {
        squatter.close();
        plane.close();
    }

    @Test
    void aRouterThatCannotStartIsReportedOnceAsCrashedAndOnceAsACrashLoopOverTenMinutesOfTicks() throws Exception {
        long deadPid = deadPid();
        plane.store.saveRouter(new RouterRecord("web", deadPid, null, 1, "127.0.0.1:" + squatter.getLocalPort(),
                dir.resolve("web.log").toString(), plane.clock.instant()));

        for (int tick = 0; tick < 10 * 60 * 4; tick++) {
            plane.routers.supervise("web", plane.appLocks.of("web"));
            plane.clock.advance(Duration.ofMillis(250));
        }

        List<String> kinds = plane.store.eventKinds("web");
        assertThat(kinds).containsOnlyOnce(EventKinds.ROUTER_CRASHED, EventKinds.CRASH_LOOP);
        assertThat(kinds).hasSize(2);
        Event loop = plane.store.events("web", 0, null, 100).stream()
                .filter(e -> e.kind().equals(EventKinds.CRASH_LOOP)).findFirst().orElseThrow();
        assertThat(loop.message()).contains("failed to start 3 times in a row", "already in use");
        assertThat(plane.store.router("web").orElseThrow().pid())
                .as("the dead pid is cleared, so status cannot show it as the router's").isZero();
    }

    /**
     * A stale pid: the recorded router's pid now belongs to another process (the kernel reused it). Its start time
     * is not the recorded one, so the router counts as dead: one {@code router.crashed}, the pid cleared, and the
     * other process, which is not ours, never signalled. With the recorded start time the same pid is the router.
     */
    @Test
    void aRecordedPidHeldByAProcessWithAnotherStartTimeIsStaleAndThatProcessIsLeftAlone() throws Exception {
        Process other = new ProcessBuilder("sleep", "120").start();
        try {
            Instant started = other.info().startInstant().orElseThrow();
            plane.store.saveRouter(new RouterRecord("web", other.pid(), started, 1, "127.0.0.1:"
                    + squatter.getLocalPort(), dir.resolve("web.log").toString(), plane.clock.instant()));
            plane.routers.supervise("web");
            assertThat(plane.store.eventKinds("web")).as("same pid, same start time: the router, alive").isEmpty();
            assertThat(plane.store.router("web").orElseThrow().pid()).isEqualTo(other.pid());

            plane.store.saveRouter(new RouterRecord("web", other.pid(), started.minus(Duration.ofHours(1)), 1,
                    "127.0.0.1:" + squatter.getLocalPort(), dir.resolve("web.log").toString(), plane.clock.instant()));
            plane.routers.supervise("web");

            assertThat(plane.store.eventKinds("web")).containsExactly(EventKinds.ROUTER_CRASHED);
            assertThat(plane.store.router("web").orElseThrow().pid()).as("the stale pid is cleared").isZero();
            assertThat(other.isAlive()).as("the process now holding the pid is not ours: never signalled").isTrue();
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void theHostRouterIsRecognizedByItsStateDirectoryAndAdminPort() {
        Path routerDir = dir.resolve("routers");
        List<String> args = List.of("-Xmx128m", HostRouterMain.class.getName(), "--admin-port", "4711",
                "--state-dir", routerDir.toString(), "--token-file", "t");

        assertThat(HostRouterProcess.adminPortOf(args, routerDir)).contains(4711);
        assertThat(HostRouterProcess.adminPortOf(args, dir.resolve("other/routers"))).isEmpty();
        assertThat(HostRouterProcess.adminPortOf(List.of("sleep", "--admin-port", "1", "--state-dir",
                routerDir.toString()), routerDir)).as("not a router").isEqualTo(Optional.empty());

        // Supervised (the default): the supervisor shell is the router to record, not the JVM it runs.
        String supervised = "-D" + dev.deployguard.local.router.RouterLauncher.SUPERVISED_PROPERTY + "=true";
        List<String> worker = new java.util.ArrayList<>(args);
        worker.add(1, supervised);
        List<String> supervisor = new java.util.ArrayList<>(List.of("-c", "while :; do ...", "router-supervisor",
                "/usr/bin/java"));
        supervisor.addAll(worker);
        assertThat(HostRouterProcess.adminPortOf(supervisor, routerDir)).contains(4711);
        assertThat(HostRouterProcess.adminPortOf(worker, routerDir)).as("the supervised JVM").isEmpty();
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
