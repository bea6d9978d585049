package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.Ports;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.spec.StopSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's spec settings (here the access log; TLS takes the same path, see RouterTlsSpecIT) on real router
 * processes: kept while unchanged, restarted when changed, kept across a crash of the whole supervised router.
 */
class RouterSettingsTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;

    @BeforeEach
    void wire() throws Exception {
        plane = new LocalPlaneFixture(dir, LocalPlaneFixture.sleepingApp(1));
        Files.writeString(dir.resolve("token"), "token");
    }

    @AfterEach
    void cleanUp() {
        plane.routers.stop("web");
        plane.close();
    }

    private static LocalPlatformSpec local(int port, Path accessLog) {
        return new LocalPlatformSpec(List.of("srv", "${port}"), Map.of(), 1, Path.of("."),
                new LocalPlatformSpec.ListenAddress("127.0.0.1", port),
                new LocalPlatformSpec.Readiness("/", Duration.ofSeconds(1), Duration.ofMillis(100)),
                new LocalPlatformSpec.Stop(StopSignal.TERM, Duration.ofSeconds(1)), true, null, accessLog);
    }

    private long routerPid() {
        return plane.store.router("web").orElseThrow().pid();
    }

    private static List<String> args(long pid) {
        return ProcessHandle.of(pid).orElseThrow().info().arguments().map(List::of).orElseThrow();
    }

    @Test
    void unchangedSettingsKeepTheRouterChangedOnesRestartItAndACrashRestartKeepsThem() throws Exception {
        int port = Ports.freeLoopbackPort();
        Path log = dir.resolve("logs/web-access.log");

        plane.routers.ensure("web", local(port, log), "test");
        long first = routerPid();
        assertThat(args(first)).containsSequence("--access-log", log.toString());
        plane.routers.ensure("web", local(port, log), "test");
        assertThat(routerPid()).as("same settings: the running router is kept").isEqualTo(first);

        // The whole supervised router dies (supervisor first, then its JVM): the restart keeps the access log.
        ProcessHandle supervisor = ProcessHandle.of(first).orElseThrow();
        List<ProcessHandle> children = supervisor.descendants().toList();
        supervisor.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        supervisor.onExit().get(10, TimeUnit.SECONDS);
        for (ProcessHandle c : children) {
            c.onExit().get(10, TimeUnit.SECONDS);
        }
        plane.routers.supervise("web", plane.appLocks.of("web"));
        long restarted = routerPid();
        assertThat(restarted).isNotEqualTo(first);
        assertThat(args(restarted)).containsSequence("--access-log", log.toString());

        // The spec drops the access log: the next ensure restarts the router without it, and says why.
        plane.routers.ensure("web", local(port, null), "test");
        assertThat(routerPid()).isNotEqualTo(restarted);
        assertThat(args(routerPid())).doesNotContain("--access-log");
        assertThat(plane.store.events("web", 0, null, 100)).anySatisfy(e -> assertThat(e.message())
                .contains("router settings changed from no HTTPS, access log " + log + " to no HTTPS, no access log"));
    }

    @Test
    void anAccessLogThatCannotBeOpenedIsRefusedWithItsSpecPathAndTheRouterKept() throws Exception {
        int port = Ports.freeLoopbackPort();
        plane.routers.ensure("web", local(port, null), "test");
        long running = routerPid();

        Path notAFile = Files.createDirectories(dir.resolve("logs"));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> plane.routers.ensure("web", local(port, notAFile), "test"))
                .isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("apps.web.platform.local.accessLog: the access log " + notAFile
                        + " is a directory");
        assertThat(routerPid()).isEqualTo(running);
        assertThat(ProcessHandle.of(running)).isPresent();
        assertThat(plane.store.eventKinds("web")).contains(EventKinds.OPERATION_REFUSED);
    }
}
