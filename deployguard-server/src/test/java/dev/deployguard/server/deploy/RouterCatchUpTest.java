package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.Ports;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.traffic.RouteTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's catch-up of a live router's routes, on a real router process: a table a deploy has saved but not
 * sent yet (the deploy holds the app's lock from saving to sending, as {@link LocalInstances#switchTraffic} does) is
 * left to the deploy — before the fix the tick sent it itself and recorded "restarted by its supervisor and holds
 * generation 0" right after a first deploy though nothing had restarted — while a router behind the store with no
 * writer at work still gets the stored table.
 */
class RouterCatchUpTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;
    Supervisor supervisor;
    ExecutorService deployThread;

    @BeforeEach
    void wire() throws Exception {
        plane = new LocalPlaneFixture(dir, LocalPlaneFixture.sleepingApp(1));
        Files.writeString(dir.resolve("token"), "token");
        plane.release("v1", ReleaseStatus.DEPLOYED); // the supervisor looks at apps with releases
        supervisor = new Supervisor(plane.store, plane.specs, plane.platform, plane.routers, plane.events,
                plane.appLocks, plane.clock);
        deployThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void cleanUp() {
        deployThread.shutdownNow();
        plane.routers.stop("web");
        plane.close();
    }

    private void startRouter() {
        LocalPlatformSpec.ListenAddress listen = new LocalPlatformSpec.ListenAddress("127.0.0.1",
                Ports.freeLoopbackPort());
        plane.routers.ensure("web", listen, "test");
    }

    private long routerGeneration() {
        return plane.routers.client("web").health().generation();
    }

    private List<Event> adopted() {
        return plane.store.events("web", 0, null, 100).stream()
                .filter(e -> e.kind().equals(EventKinds.ROUTER_ADOPTED)).toList();
    }

    @Test
    void aTableSavedButNotYetSentByTheFirstDeployIsLeftToTheDeploy() throws Exception {
        startRouter(); // the first deploy starts the router: the store has no routes yet
        assertThat(routerGeneration()).isZero();
        RouteTable first = RouteTable.single("web", 1, 1, List.of("127.0.0.1:" + Ports.freeLoopbackPort()));
        CountDownLatch saved = new CountDownLatch(1);
        CountDownLatch send = new CountDownLatch(1);
        Lock appLock = plane.appLocks.of("web");
        Future<?> deploy = deployThread.submit(() -> {
            appLock.lock();
            try {
                plane.store.saveRoutes(first);
                saved.countDown();
                send.await();
                plane.routers.apply(first);
            } finally {
                appLock.unlock();
            }
            return null;
        });
        assertThat(saved.await(30, TimeUnit.SECONDS)).isTrue();

        supervisor.tick(); // between the deploy's save and its send

        assertThat(adopted()).as("nothing restarted: no router.adopted event").isEmpty();
        assertThat(routerGeneration()).as("the table is the deploy's to send").isZero();

        send.countDown();
        deploy.get(30, TimeUnit.SECONDS);
        supervisor.tick();

        assertThat(routerGeneration()).isEqualTo(1);
        assertThat(adopted()).isEmpty();
    }

    @Test
    void aRouterBehindTheStoreWithNoWriterAtWorkGetsTheStoredTable() {
        startRouter();
        RouteTable ahead = RouteTable.single("web", 3, 1, List.of("127.0.0.1:" + Ports.freeLoopbackPort()));
        plane.store.saveRoutes(ahead);

        supervisor.tick();

        assertThat(routerGeneration()).isEqualTo(3);
        assertThat(adopted()).singleElement().satisfies(e -> assertThat(e.message())
                .contains("holds generation 0; the stored routes (generation 3) re-applied"));
    }
}
