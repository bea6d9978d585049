package dev.deployguard.local.router;

import dev.deployguard.local.process.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.demo.Behaviour;
import dev.deployguard.demo.DemoApp;
import dev.deployguard.error.ExitCode;
import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router as a real separate process (a host router serving one app, {@link RouterFixture}), in front of real demo
 * backends, driven over HTTP.
 */
class RouterIT {
    private static final String TOKEN = RouterFixture.TOKEN;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private static DemoApp v1;
    private static DemoApp v2;
    private static DemoApp failing;

    @TempDir
    Path dir;

    private final List<RouterFixture> started = new ArrayList<>();

    @BeforeAll
    static void startBackends() throws IOException {
        v1 = DemoApp.start(0, "v1", Behaviour.HEALTHY);
        v2 = DemoApp.start(0, "v2", Behaviour.HEALTHY);
        failing = DemoApp.start(0, "v3", new Behaviour(1.0, 0, true, 0));
    }

    @AfterAll
    static void stopBackends() {
        for (DemoApp app : new DemoApp[] {v1, v2, failing}) {
            if (app != null) {
                app.close();
            }
        }
    }

    @AfterEach
    void killRouters() {
        started.forEach(RouterFixture::close);
    }

    // --- routing ---------------------------------------------------------------------------------------------

    @Test
    void allTrafficGoesToTheOnlyWeightedTrack() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(twoTracks(1, "v1", v1, 0, "v2", v2));

        Map<String, Long> versions = countVersions(router, 200, Map.of());

        assertThat(versions).containsOnlyKeys("v1").containsEntry("v1", 200L);
    }

    @Test
    void aNinetyTenSplitIsHonoured() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(twoTracks(1, "v1", v1, 1_000, "v2", v2));

        int n = 1_000;
        Map<String, Long> versions = countVersions(router, n, Map.of());

        // Binomial(1000, 0.1): mean 100, sd 9.5; +-6 sd keeps a false failure below one in 10^8 runs.
        assertThat(versions.getOrDefault("v1", 0L) + versions.getOrDefault("v2", 0L)).isEqualTo(n);
        assertThat(versions.getOrDefault("v2", 0L)).isBetween(43L, 157L);
    }

    @Test
    void swappingWeightsUnderSteadyTrafficDropsNoRequest() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(twoTracks(1, "v1", v1, 0, "v2", v2));
        LongAdder ok = new LongAdder();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            loops.add(clients.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> response = get(router, "/", Map.of());
                        if (response.statusCode() == 200) {
                            ok.increment();
                        } else {
                            failures.merge("status " + response.statusCode(), 1L, Long::sum);
                        }
                    } catch (Exception e) {
                        failures.merge(e.toString(), 1L, Long::sum);
                    }
                }
                return null;
            }));
        }
        try {
            int[] canaryWeights = {2_500, 5_000, 10_000, 0, 7_500, 100, 10_000, 0};
            long generation = 1;
            for (int round = 0; round < 24; round++) {
                long before = ok.sum();
                awaitTrue(Duration.ofSeconds(10), () -> ok.sum() >= before + 25);
                router.client().putRoutes(twoTracks(++generation, "v1", v1,
                        canaryWeights[round % canaryWeights.length], "v2", v2));
            }
            long before = ok.sum();
            awaitTrue(Duration.ofSeconds(10), () -> ok.sum() >= before + 25);
        } finally {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(10, TimeUnit.SECONDS);
            }
            clients.shutdown();
        }

        assertThat(failures).isEmpty();
        assertThat(ok.sum()).isGreaterThan(600);
        assertThat(router.client().routes().generation()).isEqualTo(25);
    }

    @Test
    void headersForceATrack() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(new RouteTable("web", 1, List.of(
                new Track("stable", 1, Track.FULL, List.of(backend(v1))),
                new Track("canary", 2, 0, List.of(backend(v2))),
                new Track("preview", 3, 0, List.of(backend(failing))))));

        assertThat(countVersions(router, 20, Map.of("X-Canary", "always"))).containsOnlyKeys("v2");
        assertThat(countVersions(router, 20, Map.of("X-DeployGuard-Track", "canary"))).containsOnlyKeys("v2");
        assertThat(countVersions(router, 20, Map.of("X-DeployGuard-Track", "preview"))).containsOnlyKeys("v3");
        assertThat(countVersions(router, 20, Map.of("X-DeployGuard-Track", "nonexistent"))).containsOnlyKeys("v1");
        assertThat(countVersions(router, 20, Map.of("X-Canary", "never"))).containsOnlyKeys("v1");
        assertThat(countVersions(router, 20, Map.of("Cookie", "theme=dark; canary=always"))).containsOnlyKeys("v2");
        assertThat(countVersions(router, 20, Map.of("Cookie", "canary=never"))).containsOnlyKeys("v1");
    }

    @Test
    void requestBodiesPathsAndQueriesPassThrough() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(backend(v2))));

        HttpResponse<String> post = HTTP.send(request(router, "/orders?id=7&x=%20y", Map.of())
                .POST(HttpRequest.BodyPublishers.ofString("{\"qty\": 3}".repeat(10_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> version = get(router, "/version", Map.of());

        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(post.body()).isEqualTo("hello from demo v2\n");
        assertThat(version.body()).isEqualTo("v2\n");
    }

    @Test
    void noTracksOrNoBackendsIsA503() throws Exception {
        RouterFixture router = launch("web");

        HttpResponse<String> empty = get(router, "/", Map.of());
        assertThat(empty.statusCode()).isEqualTo(503);
        assertThat(empty.body()).contains("no route");

        router.client().putRoutes(RouteTable.single("web", 1, 1, List.of()));
        HttpResponse<String> noBackends = get(router, "/", Map.of());
        assertThat(noBackends.statusCode()).isEqualTo(503);
        assertThat(noBackends.body()).contains("track stable has no backends");
    }

    // --- admin API -------------------------------------------------------------------------------------------

    @Test
    void healthNamesTheAppPidGenerationAndAddress() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(RouteTable.single("web", 3, 1, List.of(backend(v1))));

        RouterHealth health = router.client().health();

        assertThat(health).isEqualTo(new RouterHealth("web", router.pid(), 3, router.listen()));
    }

    @Test
    void theAdminApiWantsTheToken() throws Exception {
        RouterFixture router = launch("web");

        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + router.adminPort() + "/admin/apps/web/routes")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(anonymous.body()).contains("\"error\"");

        RouterClient wrongToken = new RouterClient(router.adminPort(), "not-the-token");
        assertThatThrownBy(wrongToken::health)
                .isInstanceOfSatisfying(RouterRejectedException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void anOlderGenerationIsAConflict() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(RouteTable.single("web", 5, 1, List.of(backend(v1))));

        assertThatThrownBy(() -> router.client().putRoutes(RouteTable.single("web", 4, 2, List.of(backend(v2)))))
                .isInstanceOf(StaleRoutesException.class)
                .hasMessageContaining("409")
                .hasMessageContaining("older than the router's generation 5");
        assertThat(router.client().routes().generation()).isEqualTo(5);
        assertThat(countVersions(router, 10, Map.of())).containsOnlyKeys("v1");
    }

    @Test
    void malformedTablesAreBadRequests() throws Exception {
        RouterFixture router = launch("web");

        assertThat(putRaw(router, "{\"app\":\"web\",\"generation\":1").statusCode()).isEqualTo(400);
        HttpResponse<String> unknownField =
                putRaw(router, "{\"app\":\"web\",\"generation\":1,\"tracks\":[],\"trucks\":[]}");
        assertThat(unknownField.statusCode()).isEqualTo(400);
        assertThat(unknownField.body()).contains("trucks");
        HttpResponse<String> badWeights = putRaw(router, "{\"app\":\"web\",\"generation\":1,\"tracks\":["
                + "{\"name\":\"stable\",\"revision\":1,\"weightBasisPoints\":9000,\"backends\":[\"127.0.0.1:1\"]}]}");
        assertThat(badWeights.statusCode()).isEqualTo(400);
        assertThat(badWeights.body()).contains("must add up to 10000");
        assertThatThrownBy(() -> router.client().putRoutes(RouteTable.single("shop", 1, 1, List.of(backend(v1)))))
                .isInstanceOfSatisfying(RouterRejectedException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("this router serves app web");
    }

    @Test
    void aRestartedRouterServesTheSameTable() throws Exception {
        RouterFixture router = launch("web");
        RouteTable table = twoTracks(9, "v1", v1, 10_000, "v2", v2);
        router.client().putRoutes(table);
        long first = router.pid();
        router.kill();

        router.restart();

        assertThat(router.pid()).isNotEqualTo(first);
        assertThat(router.client().routes()).isEqualTo(table);
        assertThat(router.client().health().generation()).isEqualTo(9);
        assertThat(countVersions(router, 20, Map.of())).containsOnlyKeys("v2");
    }

    @Test
    void anUnreadableStateFileIsSetAsideAndTheRouterStartsEmptyForTheControlPlaneToFill() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(twoTracks(3, "v1", v1, 0, "v2", v2));
        router.kill();
        Files.writeString(router.routesFile(), "{\"app\": \"web\", \"generation\": 3, \"tracks\": [tru");

        router.restart();

        assertThat(router.client().health().generation()).as("no table yet").isZero();
        try (var names = Files.list(router.stateDir())) {
            assertThat(names.map(p -> p.getFileName().toString()))
                    .anySatisfy(n -> assertThat(n).startsWith("web.routes.json.unreadable-"));
        }
        assertThat(Files.exists(router.routesFile())).as("the bad file is out of the way").isFalse();
        assertThat(router.log()).contains("cannot restore the routes of app web", "moved to",
                "serving no routes until the control plane sends them");
        RouteTable table = twoTracks(4, "v1", v1, 0, "v2", v2);
        router.client().putRoutes(table);
        assertThat(countVersions(router, 10, Map.of())).containsOnlyKeys("v1");
        assertThat(Files.readString(router.routesFile())).contains("\"generation\" : 4");
    }

    // --- launcher --------------------------------------------------------------------------------------------

    /**
     * The one-app router exited 3 when its public address was taken. The host router refuses the app with a 400
     * naming the address, and serves on; a taken admin port is what fails its launch (exit 3).
     */
    @Test
    void aTakenAddressIsRefusedWithTheReason() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + squatter.getLocalPort();
            RouterFixture router = track(RouterFixture.launch(dir, "web", List.of()));

            assertThatThrownBy(() -> router.host().putApp("web", AppListener.plain(listen)))
                    .isInstanceOfSatisfying(RouterRejectedException.class,
                            e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessageContaining("app web: cannot listen on " + listen + ": address already in use");
            assertThat(router.host().hostHealth().apps()).isEmpty();

            Path token = Files.writeString(dir.resolve("other.token"), "other\n");
            // The launcher returns as soon as the router exits; the start timeout is only its hang guard, 30 s as for
            // every other launch here. With the default 10 s, a CI run under load timed out while the router, having
            // logged "address already in use", was still on its way out: "did not answer ... within 10000 ms".
            assertThatThrownBy(() -> new RouterLauncher().withStartTimeout(Duration.ofSeconds(30))
                    .startHost(new HostRouterConfig(squatter.getLocalPort(), dir.resolve("other"), token),
                            dir.resolve("other.log")))
                    .isInstanceOfSatisfying(RouterStartException.class, e -> assertThat(e.logTail()).contains(
                            "host router cannot open its admin port " + listen
                                    + ": address already in use (another process holds it)"))
                    .hasMessageContaining("exited with code 3");
        }
    }

    @Test
    void anUnreachableRouterIsReportedAsSuch() {
        RouterClient client = new RouterClient(Ports.freeLoopbackPort(), TOKEN);

        assertThatThrownBy(client::health)
                .isInstanceOfSatisfying(RouterUnreachableException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE))
                .hasMessageContaining("does not answer");
    }

    @Test
    void theRouterIsADetachedJavaProcess() throws Exception {
        RouterFixture router = launch("web");

        ProcessHandle process = ProcessHandle.of(router.pid()).orElseThrow();
        assertThat(process.info().command()).hasValueSatisfying(command -> assertThat(command).endsWith("java"));
        assertThat(process.info().arguments()).hasValueSatisfying(args -> assertThat(args)
                .contains("dev.deployguard.local.router.HostRouterMain", "--state-dir",
                        router.stateDir().toString(), "-XX:+UseSerialGC"));
        assertThat(router.handle().processStart()).isEqualTo(process.info().startInstant().orElseThrow());
        // The router prints its banner after its admin API answers (which is when start returns): wait for the line.
        String banner = "host router listening (admin 127.0.0.1:" + router.adminPort() + ", pid " + router.pid();
        String serving = "router: serving app web on " + router.listen();
        awaitTrue(Duration.ofSeconds(10), () -> router.log().contains(banner) && router.log().contains(serving),
                () -> "no '" + banner + "' and '" + serving + "' in the router's log:\n" + router.log());
    }

    // --- metrics ---------------------------------------------------------------------------------------------

    @Test
    void metricsCountEveryRequestByTrackAndStatusClass() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(twoTracks(1, "v1", v1, 3_000, "v3", failing));
        long startMs = System.currentTimeMillis();

        int n = 300;
        Map<Integer, Long> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            statuses.merge(get(router, "/", Map.of()).statusCode(), 1L, Long::sum);
        }
        long ok = statuses.getOrDefault(200, 0L);
        long errors = statuses.getOrDefault(500, 0L);
        assertThat(ok + errors).isEqualTo(n);

        RouterMetrics metrics = awaitMetrics(router, m -> total(m) == n);
        TrackMetrics stable = metrics.track("stable").orElseThrow();
        TrackMetrics canary = metrics.track("canary").orElseThrow();
        assertThat(metrics.generation()).isEqualTo(1);
        assertThat(stable.revision()).isEqualTo(1);
        assertThat(canary.revision()).isEqualTo(2);
        assertThat(stable.requests()).isEqualTo(ok);
        assertThat(stable.status()).isEqualTo(new RouterMetrics.StatusCounts(ok, 0, 0, 0));
        assertThat(canary.requests()).isEqualTo(errors);
        assertThat(canary.status()).isEqualTo(new RouterMetrics.StatusCounts(0, 0, 0, errors));
        assertThat(canary.proxyErrors()).isZero();
        assertThat(stable.latencyMicros().p50()).isPositive();
        assertThat(stable.latencyMicros().max()).isGreaterThanOrEqualTo(stable.latencyMicros().p99());
        assertThat(metrics.inFlight()).containsEntry(backend(v1), 0).containsEntry(backend(failing), 0);

        // Windows close on second boundaries and are published a second later; in the end they hold every request.
        // A window is named by the boundary it starts at but closed when the roll runs, a little after the next
        // boundary: a request sent just after that boundary (startMs below) can still land in the window named a
        // second earlier (CI: startMs 5 ms past a boundary, every request in the window one second before it).
        RouterMetrics windowed = awaitMetrics(router, m -> windowSum(m, "stable", Window::requests) == ok
                && windowSum(m, "canary", Window::requests) == errors);
        assertThat(windowSum(windowed, "canary", Window::errors)).isEqualTo(errors);
        assertThat(windowSum(windowed, "stable", Window::errors)).isZero();
        assertThat(windowed.track("stable").orElseThrow().windows())
                .allSatisfy(w -> assertThat(w.startEpochMs() % 1000).isZero())
                .anySatisfy(w -> assertThat(w.startEpochMs()).isGreaterThanOrEqualTo(startMs - 2000));
    }

    @Test
    void anUnreachableBackendIsA502CountedAsProxyError() throws Exception {
        RouterFixture router = launch("web");
        String dead = "127.0.0.1:" + Ports.freeLoopbackPort();
        router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(dead)));

        for (int i = 0; i < 5; i++) {
            assertThat(get(router, "/", Map.of()).statusCode()).isEqualTo(502);
        }

        RouterMetrics metrics = awaitMetrics(router, m -> total(m) == 5);
        TrackMetrics stable = metrics.track("stable").orElseThrow();
        assertThat(stable.proxyErrors()).isEqualTo(5);
        assertThat(stable.status().serverError()).isEqualTo(5);
    }

    @Test
    void aNewGenerationStartsItsOwnCounts() throws Exception {
        RouterFixture router = launch("web");
        router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(backend(v1))));
        countVersions(router, 10, Map.of());
        awaitMetrics(router, m -> total(m) == 10);

        router.client().putRoutes(twoTracks(2, "v1", v1, 5_000, "v2", v2));
        countVersions(router, 4, Map.of("X-Canary", "always"));

        RouterMetrics metrics = awaitMetrics(router, m -> total(m) == 4);
        assertThat(metrics.generation()).isEqualTo(2);
        assertThat(metrics.track("stable").orElseThrow().requests()).isZero();
        assertThat(metrics.track("canary").orElseThrow().requests()).isEqualTo(4);
    }

    @Test
    void inFlightCountsRequestsStillAtTheBackend() throws Exception {
        try (DemoApp slow = DemoApp.start(0, "slow", new Behaviour(0, 1_500, true, 0))) {
            RouterFixture router = launch("web");
            router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(backend(slow))));

            CompletableFuture<HttpResponse<String>> pending = HTTP.sendAsync(
                    request(router, "/", Map.of()).build(), HttpResponse.BodyHandlers.ofString());
            awaitTrue(Duration.ofSeconds(5), () -> router.client().inFlight(backend(slow)) == 1);
            // Draining: the backend leaves the table but its request is still counted until it completes.
            router.client().putRoutes(RouteTable.single("web", 2, 1, List.of(backend(v1))));
            assertThat(router.client().inFlight(backend(slow))).isEqualTo(1);

            assertThat(pending.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            awaitTrue(Duration.ofSeconds(5), () -> router.client().inFlight(backend(slow)) == 0);
            assertThat(router.client().inFlight("127.0.0.1:1")).isZero();
        }
    }

    @Test
    void aStoppedRouterFinishesRequestsInFlight() throws Exception {
        try (DemoApp slow = DemoApp.start(0, "slow", new Behaviour(0, 1_500, true, 0))) {
            RouterFixture router = launch("web");
            router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(backend(slow))));
            CompletableFuture<HttpResponse<String>> pending = HTTP.sendAsync(
                    request(router, "/", Map.of()).build(), HttpResponse.BodyHandlers.ofString());
            awaitTrue(Duration.ofSeconds(5), () -> router.client().inFlight(backend(slow)) == 1);

            ProcessHandle process = ProcessHandle.of(router.pid()).orElseThrow();
            assertThat(process.destroy()).isTrue();

            HttpResponse<String> response = pending.get(10, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from demo slow\n");
            process.onExit().get(10, TimeUnit.SECONDS);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private RouterFixture launch(String app) {
        return track(RouterFixture.start(dir, app));
    }

    private RouterFixture track(RouterFixture router) {
        started.add(router);
        return router;
    }

    private static String backend(DemoApp app) {
        return "127.0.0.1:" + app.port();
    }

    private static RouteTable twoTracks(long generation, String stableVersion, DemoApp stable, int canaryWeight,
                                        String canaryVersion, DemoApp canary) {
        return new RouteTable("web", generation, List.of(
                new Track("stable", 1, Track.FULL - canaryWeight, List.of(backend(stable))),
                new Track("canary", 2, canaryWeight, List.of(backend(canary)))));
    }

    private static HttpRequest.Builder request(RouterFixture router, String path, Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(router.base() + path))
                .timeout(Duration.ofSeconds(10));
        headers.forEach(builder::header);
        return builder;
    }

    private static HttpResponse<String> get(RouterFixture router, String path, Map<String, String> headers)
            throws IOException, InterruptedException {
        return HTTP.send(request(router, path, headers).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> putRaw(RouterFixture router, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.adminPort()
                        + "/admin/apps/web/routes"))
                .header("Authorization", "Bearer " + RouterFixture.TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends n requests and counts the answering versions, read from the demo's body "hello from demo vN". */
    private static Map<String, Long> countVersions(RouterFixture router, int n, Map<String, String> headers)
            throws Exception {
        Map<String, Long> versions = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> response = get(router, "/", headers);
            String body = response.body().trim();
            versions.merge(body.substring(body.lastIndexOf(' ') + 1), 1L, Long::sum);
        }
        return versions;
    }

    private static long total(RouterMetrics metrics) {
        return metrics.tracks().stream().mapToLong(TrackMetrics::requests).sum();
    }

    private static long windowSum(RouterMetrics metrics, String track,
                                  java.util.function.ToLongFunction<Window> field) {
        return metrics.track(track).orElseThrow().windows().stream().mapToLong(field).sum();
    }

    private static RouterMetrics awaitMetrics(RouterFixture router, java.util.function.Predicate<RouterMetrics> condition) {
        AtomicLong polls = new AtomicLong();
        RouterMetrics[] last = new RouterMetrics[1];
        awaitTrue(Duration.ofSeconds(10), () -> {
            polls.incrementAndGet();
            last[0] = router.client().metrics();
            return condition.test(last[0]);
        }, () -> "metrics never matched; last: " + last[0]);
        return last[0];
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition) {
        awaitTrue(timeout, condition, () -> "condition not met");
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition,
                                  java.util.function.Supplier<String> message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(message.get() + " within " + timeout);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
