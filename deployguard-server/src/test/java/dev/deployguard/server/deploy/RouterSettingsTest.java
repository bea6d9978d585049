package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.AppListener;
import dev.deployguard.local.router.RouterClient;
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
 * The router's spec settings (here the access log; TLS takes the same path, see RouterTlsSpecIT) on a real host
 * router: kept while unchanged, the app's listener reopened when changed, kept across a crash of the whole
 * supervised router.
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

    /** The listener the host router serves the app with, read from the router itself. */
    private AppListener listener() {
        return new RouterClient(plane.store.router("web").orElseThrow().adminPort(), "token").app("web")
                .orElseThrow();
    }

    @Test
    void unchangedSettingsKeepTheListenerChangedOnesReopenItAndACrashRestartKeepsThem() throws Exception {
        int port = Ports.freeLoopbackPort();
        Path log = dir.resolve("logs/web-access.log");

        plane.routers.ensure("web", local(port, log), "test");
        long first = routerPid();
        assertThat(listener().accessLog()).isEqualTo(log.toString());
        plane.routers.ensure("web", local(port, log), "test");
        assertThat(routerPid()).as("same settings: the running router is kept").isEqualTo(first);
        long startedEvents = plane.store.eventKinds("web").stream().filter(EventKinds.ROUTER_STARTED::equals).count();
        assertThat(startedEvents).as("same settings: nothing reopened").isEqualTo(1);

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
        assertThat(listener().accessLog()).as("from the app's listener file").isEqualTo(log.toString());

        // The spec drops the access log: the next ensure reopens the app's listener without it (the process stays),
        // and says why.
        plane.routers.ensure("web", local(port, null), "test");
        assertThat(routerPid()).as("one process for every app: a listener changes, not the process")
                .isEqualTo(restarted);
        assertThat(listener().accessLog()).isNull();
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
