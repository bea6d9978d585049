package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.router.HostRouterMain;
import dev.deployguard.store.RouterStore.RouterRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
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
        Files.writeString(dir.resolve("token"), "token");
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
     * A stale pid: the recorded host router's pid now belongs to another process (the kernel reused it). Its start
     * time is not the recorded one, so no router runs and nothing of the other process is ours: {@code stop} never
     * signals it. With the recorded start time the same pid is the router.
     */
    @Test
    void aRecordedPidHeldByAProcessWithAnotherStartTimeIsStaleAndThatProcessIsLeftAlone() throws Exception {
        Process other = new ProcessBuilder("sleep", "120").start();
        Path routerDir = dir.resolve("stale-routers");
        try {
            Instant started = other.info().startInstant().orElseThrow();
            HostRouterProcess hosts = new HostRouterProcess(routerDir, dir.resolve("t"), "token", Duration.ofSeconds(5));
            writeRecord(routerDir, other.pid(), started);
            assertThat(hosts.running()).as("same pid, same start time: the router, alive")
                    .map(HostRouterProcess.Host::pid).contains(other.pid());

            HostRouterProcess fresh = new HostRouterProcess(routerDir, dir.resolve("t"), "token", Duration.ofSeconds(5));
            writeRecord(routerDir, other.pid(), started.minus(Duration.ofHours(1)));
            assertThat(fresh.running()).as("same pid, another start time: no router runs").isEmpty();
            fresh.stop();
            assertThat(other.isAlive()).as("the process now holding the pid is not ours: never signalled").isTrue();
            assertThat(routerDir.resolve(HostRouterProcess.RECORD)).as("the stale record is forgotten").doesNotExist();
        } finally {
            other.destroyForcibly();
        }
    }

    private static void writeRecord(Path routerDir, long pid, Instant processStart) throws IOException {
        Files.createDirectories(routerDir);
        Files.writeString(routerDir.resolve(HostRouterProcess.RECORD), "pid=" + pid + "\nprocessStart="
                + processStart + "\nadminPort=1\nlogFile=" + routerDir.resolve("host-router.log") + "\n");
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
        // In a crash loop's wait the host router's supervisor runs a shell with the JVM's command, which then becomes
        // the JVM: not the router to record.
        List<String> delayed = new java.util.ArrayList<>(List.of("-c", "sleep \"$0\"; exec \"$@\"", "2",
                "/usr/bin/java"));
        delayed.addAll(worker);
        assertThat(HostRouterProcess.adminPortOf(delayed, routerDir)).as("a delayed start under the supervisor")
                .isEmpty();
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
