package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.demo.Behaviour;
import dev.deployguard.demo.DemoApp;
import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One host router process serving several apps (issue 16 item 2): each app on its own address with its own table,
 * generation and stats; apps added and removed at runtime without a failed request of another app; a SIGKILL brings
 * every app back from its files; one app's corrupted file leaves the others serving.
 */
class HostRouterIT {
    private static final String TOKEN = "host-router-token";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path dir;

    private RouterHandle handle;
    private RouterClient host;
    private DemoApp v1;
    private DemoApp v2;

    @BeforeEach
    void start() throws Exception {
        v1 = DemoApp.start(0, "v1", Behaviour.HEALTHY);
        v2 = DemoApp.start(0, "v2", Behaviour.HEALTHY);
        Path tokenFile = Files.writeString(dir.resolve("router.token"), TOKEN + "\n");
        HostRouterConfig config = new HostRouterConfig(Ports.freeLoopbackPort(), dir.resolve("routers"), tokenFile);
        handle = new RouterLauncher().withSupervisor(true).withStartTimeout(Duration.ofSeconds(60))
                .startHost(config, dir.resolve("router.log"));
        host = new RouterClient(handle.adminPort(), TOKEN);
    }

    @AfterEach
    void stop() {
        if (handle != null) {
            ProcessHandle.of(handle.pid()).ifPresent(supervisor -> {
                List<ProcessHandle> workers = supervisor.descendants().toList();
                supervisor.destroyForcibly();
                workers.forEach(ProcessHandle::destroyForcibly);
            });
        }
        v1.close();
        v2.close();
    }

    @Test
    void twoAppsInOneProcessHaveIndependentTablesGenerationsAndStats() throws Exception {
        String webAt = addApp("web");
        String shopAt = addApp("shop");
        RouterClient web = host.forApp("web");
        RouterClient shop = host.forApp("shop");
        web.putRoutes(RouteTable.single("web", 9, 1, List.of("127.0.0.1:" + v1.port())));
        shop.putRoutes(RouteTable.single("shop", 2, 4, List.of("127.0.0.1:" + v2.port())));

        for (int i = 0; i < 5; i++) {
            assertThat(get(webAt)).contains("v1");
        }
        for (int i = 0; i < 3; i++) {
            assertThat(get(shopAt)).contains("v2");
        }
        assertThat(host.hostHealth().apps()).containsExactly("shop", "web");
        assertThat(host.hostHealth().pid()).as("the host router answers as its supervisor").isEqualTo(handle.pid());
        assertThat(web.health().generation()).isEqualTo(9);
        assertThat(shop.health().generation()).isEqualTo(2);
        assertThat(web.health().listen()).isEqualTo(webAt);
        assertThat(web.metrics().track("stable").orElseThrow().requests()).isEqualTo(5);
        assertThat(shop.metrics().track("stable").orElseThrow().requests()).isEqualTo(3);

        // Generations are per app: web's 9 does not make shop's 3 stale, and web refuses its own older one.
        shop.putRoutes(RouteTable.single("shop", 3, 5, List.of("127.0.0.1:" + v1.port())));
        assertThat(get(shopAt)).contains("v1");
        assertThatThrownBy(() -> web.putRoutes(RouteTable.single("web", 8, 1, List.of("127.0.0.1:" + v2.port()))))
                .isInstanceOf(StaleRoutesException.class);
        assertThatThrownBy(() -> web.putRoutes(RouteTable.single("shop", 10, 1, List.of("127.0.0.1:" + v2.port()))))
                .as("a table of another app").isInstanceOf(RouterRejectedException.class);
        assertThat(get(webAt)).contains("v1");
        assertThat(host.forApp("nope").app("nope")).isEmpty();
        assertThatThrownBy(() -> host.forApp("nope").routes()).isInstanceOf(RouterRejectedException.class)
                .hasMessageContaining("serves no app nope");
        assertThatThrownBy(() -> new RouterClient(handle.adminPort(), "wrong").forApp("web").routes())
                .isInstanceOf(RouterRejectedException.class).hasMessageContaining("401");
        // An address another app holds is refused for a new app, and nothing changes for the holder.
        assertThatThrownBy(() -> host.putApp("clash", AppListener.plain(webAt)))
                .isInstanceOf(RouterRejectedException.class).hasMessageContaining("address already in use");
        assertThat(host.hostHealth().apps()).containsExactly("shop", "web");
        assertThat(get(webAt)).contains("v1");
    }

    /** Malformed listeners and app names: each a 400 naming the problem, and the router serves what it served. */
    @Test
    void malformedListenersAndAppNamesAreRefusedAndChangeNothing() throws Exception {
        String webAt = addApp("web");
        host.forApp("web").putRoutes(RouteTable.single("web", 1, 1, List.of("127.0.0.1:" + v1.port())));
        String[][] rows = {
            // app in the path, body, what the answer must name
            {"shop", "not json", "not a valid listener"},
            {"shop", "", "not a valid listener"},
            {"shop", "{\"tlsListen\":\"127.0.0.1:1\"}", "listen is required"},
            {"shop", "{\"listen\":\"nowhere\"}", "not a valid listener"},
            {"shop", "{\"listen\":\"127.0.0.1:1\",\"tlsListen\":\"127.0.0.1:2\"}", "TLS needs all of"},
            {"shop", "{\"listen\":\"127.0.0.1:1\",\"surprise\":1}", "not a valid listener"},
            {"..%2Fevil", "{\"listen\":\"127.0.0.1:1\"}", ""},
        };
        for (String[] row : rows) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + handle.adminPort() + "/admin/apps/" + row[0])).header("Authorization", "Bearer " + TOKEN)
                    .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(row[1])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("PUT /admin/apps/%s %s -> %s", row[0], row[1], r.body()).isEqualTo(400);
            assertThat(r.body()).as("the answer to %s", row[1]).contains(row[2]).doesNotContain("Exception");
        }
        assertThat(host.hostHealth().apps()).as("nothing added").containsExactly("web");
        assertThat(Files.list(dir.resolve("routers")).map(f -> f.getFileName().toString()))
                .as("no file written for a refused app").noneMatch(n -> n.startsWith("shop") || n.contains("evil"));
        assertThat(get(webAt)).contains("v1");
    }

    @Test
    void addingAndRemovingAppsUnderLoadFailsNoRequestOfAnotherApp() throws Exception {
        String webAt = addApp("web");
        host.forApp("web").putRoutes(RouteTable.single("web", 1, 1, List.of("127.0.0.1:" + v1.port())));
        long pid = host.hostHealth().pid();
        LongAdder ok = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> loops = List.of(pool.submit(() -> load(webAt, running, ok, failed)),
                pool.submit(() -> load(webAt, running, ok, failed)));
        try {
            awaitTrue(Duration.ofSeconds(30), () -> ok.sum() >= 100);
            for (int round = 0; round < 3; round++) {
                String otherAt = addApp("other" + round);
                host.forApp("other" + round).putRoutes(RouteTable.single("other" + round, 1, 1,
                        List.of("127.0.0.1:" + v2.port())));
                assertThat(get(otherAt)).contains("v2");
                long before = ok.sum();
                awaitTrue(Duration.ofSeconds(30), () -> ok.sum() >= before + 50);
                host.removeApp("other" + round);
                assertThat(refused(otherAt)).as("a removed app's address is closed").isTrue();
            }
            long before = ok.sum();
            awaitTrue(Duration.ofSeconds(30), () -> ok.sum() >= before + 50);
        } finally {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(20, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
        System.out.printf("host router: 3 apps added and removed while web served %d requests, %d failed%n",
                ok.sum(), failed.sum());
        assertThat(failed.sum()).as("failed requests of the app that stayed").isZero();
        assertThat(host.hostHealth().pid()).as("no restart").isEqualTo(pid);
        assertThat(host.hostHealth().apps()).containsExactly("web");
        assertThat(Files.list(dir.resolve("routers")).map(p -> p.getFileName().toString()))
                .as("a removed app leaves no files").noneMatch(name -> name.startsWith("other"));
    }

    @Test
    void aKilledRouterComesBackWithEveryAppAndACorruptedFileOfOneAppLeavesTheOthersServing() throws Exception {
        String webAt = addApp("web");
        String shopAt = addApp("shop");
        String blogAt = addApp("blog");
        host.forApp("web").putRoutes(RouteTable.single("web", 4, 1, List.of("127.0.0.1:" + v1.port())));
        host.forApp("shop").putRoutes(RouteTable.single("shop", 6, 2, List.of("127.0.0.1:" + v2.port())));
        host.forApp("blog").putRoutes(RouteTable.single("blog", 2, 1, List.of("127.0.0.1:" + v1.port())));
        Path routers = dir.resolve("routers");
        Files.writeString(routers.resolve("shop.routes.json"), "{\"app\": \"shop\", \"generation\": ");
        Files.writeString(routers.resolve("blog.listener.json"), "not json");

        ProcessHandle supervisor = ProcessHandle.of(handle.pid()).orElseThrow();
        // The JVM that serves (the other under the supervisor is its warm standby, which takes over).
        ProcessHandle worker = RouterLauncher.activeHostRouterUnder(supervisor).orElseThrow();
        worker.destroyForcibly();
        worker.onExit().get(10, TimeUnit.SECONDS);
        awaitTrue(Duration.ofSeconds(60), () -> {
            try {
                return get(webAt).contains("v1");
            } catch (Exception e) {
                return false;
            }
        });

        assertThat(RouterLauncher.activeHostRouterUnder(supervisor).orElseThrow().pid()).isNotEqualTo(worker.pid());
        assertThat(host.hostHealth().pid()).as("the same router to the control plane").isEqualTo(handle.pid());
        assertThat(host.forApp("web").routes().generation()).isEqualTo(4);
        // shop's table was unreadable: set aside, shop listens with no routes until the control plane sends them.
        assertThat(host.hostHealth().apps()).containsExactly("shop", "web");
        assertThat(host.forApp("shop").health().generation()).isZero();
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://" + shopAt + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
        host.forApp("shop").putRoutes(RouteTable.single("shop", 6, 2, List.of("127.0.0.1:" + v2.port())));
        assertThat(get(shopAt)).contains("v2");
        // blog's listener file was unreadable: set aside, blog is not served until the control plane adds it again.
        assertThat(refused(blogAt)).isTrue();
        try (var files = Files.list(routers)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("shop.routes.json.unreadable-"))
                    .anyMatch(name -> name.startsWith("blog.listener.json.unreadable-"));
        }
        assertThat(host.putApp("blog", AppListener.plain(blogAt)).listen()).isEqualTo(blogAt);
        assertThat(host.forApp("blog").routes().generation()).as("its table file was intact").isEqualTo(2);
        assertThat(get(blogAt)).contains("v1");
        assertThat(Files.readString(dir.resolve("router.log"))).contains("cannot restore the routes of app shop")
                .contains("cannot read the listener of app blog");
    }

    private String addApp(String app) {
        String at = "127.0.0.1:" + Ports.freeLoopbackPort();
        AppListener bound = host.putApp(app, AppListener.plain(at));
        assertThat(bound.listen()).isEqualTo(at);
        assertThat(host.putApp(app, AppListener.plain(at))).as("the same listener again is a no-op").isEqualTo(bound);
        return at;
    }

    private static String get(String address) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static boolean refused(String address) {
        try (java.net.Socket socket = new java.net.Socket()) {
            HostPort hp = HostPort.parse(address);
            socket.connect(new java.net.InetSocketAddress(hp.host(), hp.port()), 2_000);
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private static Void load(String address, AtomicBoolean running, LongAdder ok, LongAdder failed) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/"))
                .timeout(Duration.ofSeconds(10)).build();
        while (running.get()) {
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    ok.increment();
                    continue;
                }
            } catch (Exception e) {
                // Counted below.
            }
            failed.increment();
        }
        return null;
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
