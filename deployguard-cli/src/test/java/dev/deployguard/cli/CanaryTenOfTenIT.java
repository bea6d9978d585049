package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import dev.deployguard.local.process.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's "done means", end to end: the canary example of docs/spec.md on the demo app (10% then 50% of traffic,
 * each step waiting for the default sequential judge: 5 s windows, latency judged after its warm-up, a bake of 1 m)
 * promotes a good version and rolls back v4 (2% errors), 10 times out of 10 each, under load.
 *
 * <p>The strategy is read from docs/spec.md ({@link #docsExample}), so the test runs exactly what the docs show and the
 * two cannot drift. The example sets {@code negligibleErrorRate: 0.01}; docs/analysis.md ("A canary without errors")
 * argues why: the demo app's good version answers no errors at all, beside a stable without errors, and promoting it on
 * "error rate confidently below 0.1%" takes about 8,100 error-free canary requests (400 s at 10% of 200 req/s), where
 * 1% takes about 700.
 *
 * <p>{@link #APPS} apps on one control plane (ten in the benchmark, four in the build: see below), each with its own
 * demo app processes, its own listener on the router and 200 req/s of steady traffic (2,000 req/s in all for ten, on a
 * machine shared with other builds): even apps deploy v4 then the good v2, odd apps the good v2 then v4, so that good
 * and bad canaries are judged at the same time, two rollouts per app. Each app's verdict is asserted from its own
 * events: the good revision's {@code deploy.succeeded} and no automatic rollback of it; v4's {@code rollback.automatic}
 * naming the error rate.
 *
 * <p>Size: the build runs it with {@value #CI_APPS} apps (4 good and 4 bad canaries judged at once, each app at 200
 * req/s), the full ten apps (20 rollouts, 2,000 req/s) are a benchmark: {@code bench/run canary-ten}, i.e. this class
 * with {@code -Ddeployguard.canary.apps=10} (docs/benchmarks.md, "End to end: the docs/spec.md canary, 10 of 10"). Why:
 * with ten apps it was the build's longest class (211 s of a 22-minute CI run on 2 cores), its 2,000 req/s through the
 * router taking the CPU the other test fork needed, while what each app proves is the same: every app is judged on its
 * own traffic and asserted on its own events, so the verdicts are per app whatever their number; four apps still judge
 * good and bad canaries side by side on one control plane under load, which is what the concurrency part of the claim
 * is about. The judge's settings, the traffic per app and every assertion are the same at both sizes.
 */
class CanaryTenOfTenIT {
    /** Apps in the build's run; the benchmark's size is set with {@code -Ddeployguard.canary.apps=10}. */
    static final int CI_APPS = 4;
    static final int APPS = Integer.getInteger("deployguard.canary.apps", CI_APPS);
    static final int RATE = 200;
    static final String BEHAVIOUR = "v4:errorRate=0.02";
    static final Path SPEC_DOC = Path.of("..", "docs", "spec.md");
    static final String STRATEGY = docsExample();

    /**
     * The {@code strategy:} of the canary example in docs/spec.md (the YAML block after "**The canary example**"),
     * from its {@code strategy:} line to the block's end, unindented to the app's level.
     */
    static String docsExample() {
        List<String> lines;
        try {
            lines = Files.readString(SPEC_DOC).lines().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        int heading = 0;
        while (!lines.get(heading).startsWith("**The canary example**")) {
            heading++;
        }
        int open = heading;
        while (!lines.get(open).equals("```yaml")) {
            open++;
        }
        int from = open;
        while (!lines.get(from).equals("    strategy:")) {
            from++;
        }
        StringBuilder out = new StringBuilder();
        for (int i = from; !lines.get(i).equals("```"); i++) {
            out.append(lines.get(i).substring(4)).append('\n');
        }
        return out.toString();
    }

    @Test
    void theExampleIsTheIssuesCanaryTenThenFiftyPercentWithTheDefaultJudge() {
        assertThat(STRATEGY).startsWith("strategy:\n  canary:\n").contains("- setWeight: 10\n", "- setWeight: 50\n",
                "- analysis: {}", "bake: 1m").doesNotContain("judge:", "alpha:", "latency:", "interval:", "pause");
    }

    @TempDir
    Path dir;
    Harness h;
    /** The API straight, from ten threads at once (the harness's in-process CLI runs one command at a time). */
    ApiClient api;
    final List<SteadyTraffic> traffic = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        traffic.forEach(SteadyTraffic::close);
        if (h != null) {
            h.close();
        }
    }

    private String spec(int[] ports) {
        StringBuilder out = new StringBuilder("apps:\n");
        for (int i = 0; i < APPS; i++) {
            out.append("""
                      app%d:
                        platform:
                          local:
                            command: ["%s", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                                      "-cp", "%s", "dev.deployguard.demo.DemoApp", "--port", "${port}",
                                      "--version", "${version}"]
                            env: {DEMO_BEHAVIOUR: "%s"}
                            instances: 1
                            listen: "127.0.0.1:%d"
                            readiness: {path: /ready, timeout: 30s, interval: 100ms}
                            stop: {gracePeriod: 3s}
                    """.formatted(i, Harness.java(), Harness.classPath(), BEHAVIOUR, ports[i]));
            out.append(STRATEGY.indent(4));
        }
        return out.toString();
    }

    /** The app's rollout once it is over (SUCCEEDED or ROLLED_BACK). */
    private JsonNode awaitDone(String app, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            JsonNode last = api.get("/api/apps/" + app + "/status").path("rollout");
            String phase = last.path("phase").asText();
            if (phase.equals("SUCCEEDED") || phase.equals("ROLLED_BACK")) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(app + ": rollout not done within " + max + ": " + last);
            }
            Thread.sleep(1000); // ten apps polling: once a second each is enough, and light on the control plane
        }
    }

    /** Deploys a version of one app and waits for its rollout to end; returns its rollout. */
    private JsonNode rollout(String app, String version) throws InterruptedException {
        JsonNode started = deploy(app, version);
        assertThat(started.toString()).as(app).contains("canary rollout of " + version);
        return awaitDone(app, Duration.ofSeconds(240));
    }

    private JsonNode deploy(String app, String version) {
        return api.post("/api/apps/" + app + "/deploy", Map.of("version", version, "changeCause",
                "CanaryTenOfTenIT " + version, "atomic", false, "skipChecks", false));
    }

    /** The app's events about one revision, oldest first. */
    private List<JsonNode> events(String app, int revision) {
        List<JsonNode> out = new ArrayList<>();
        api.get("/api/apps/" + app + "/events").path("events").forEach(e -> {
            if (e.path("revision").asInt(-1) == revision) {
                out.add(e);
            }
        });
        return out;
    }

    /** The revision the app's rollout of {@code version} ran as, from its {@code rollout.started} event. */
    private int revisionOf(String app, String version) {
        for (JsonNode e : api.get("/api/apps/" + app + "/events").path("events")) {
            if (e.path("kind").asText().equals("rollout.started")
                    && e.path("message").asText().contains("rollout of " + version + " ")) {
                return e.path("revision").asInt();
            }
        }
        throw new AssertionError(app + ": no rollout.started event for " + version);
    }

    private static List<String> kinds(List<JsonNode> events) {
        return events.stream().map(e -> e.path("kind").asText()).toList();
    }

    @Test
    void theDocsCanaryPromotesAGoodVersionAndRollsBackV4TenTimesOutOfTenEach() throws Exception {
        long t0 = System.nanoTime();
        assertThat(APPS).as("apps (-Ddeployguard.canary.apps): at least one of each order").isGreaterThanOrEqualTo(2);
        h = new Harness(dir, BEHAVIOUR, 1);
        int[] ports = new int[APPS];
        for (int i = 0; i < APPS; i++) {
            ports[i] = Ports.freeLoopbackPort();
        }
        Files.writeString(h.spec, spec(ports));
        h.startServer();
        api = ApiClient.forStateDir(h.stateDir, null, "test");
        ExecutorService pool = Executors.newFixedThreadPool(APPS);
        try {
            // The first releases one after the other, each tried up to three times: on a machine at load 30 a router
            // JVM can outlast its 10 s start limit (RouterLauncher), which is not what this test is about. The
            // rollouts below are never retried.
            for (int i = 0; i < APPS; i++) {
                for (int attempt = 1; ; attempt++) {
                    try {
                        deploy("app" + i, "v1");
                        break;
                    } catch (dev.deployguard.error.DeployGuardException e) {
                        if (attempt == 3) {
                            throw e;
                        }
                    }
                }
            }
            for (int i = 0; i < APPS; i++) {
                traffic.add(new SteadyTraffic(java.net.URI.create("http://127.0.0.1:" + ports[i] + "/"), 4, RATE)
                        .start());
            }
            double setup = (System.nanoTime() - t0) / 1e9;

            // even apps: v4 then v2; odd apps: v2 then v4 (revisions 2 and 3 of each app)
            Map<String, Map<String, JsonNode>> outcomes = new ConcurrentHashMap<>();
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < APPS; i++) {
                String app = "app" + i;
                List<String> order = i % 2 == 0 ? List.of("v4", "v2") : List.of("v2", "v4");
                runs.add(pool.submit(() -> {
                    Map<String, JsonNode> done = new ConcurrentHashMap<>();
                    for (String version : order) {
                        done.put(version, rollout(app, version));
                    }
                    outcomes.put(app, done);
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
            double rollouts = (System.nanoTime() - t0) / 1e9 - setup;

            int promoted = 0;
            int rolledBack = 0;
            for (int i = 0; i < APPS; i++) {
                String app = "app" + i;
                int goodRevision = revisionOf(app, "v2");
                int badRevision = revisionOf(app, "v4");
                JsonNode good = outcomes.get(app).get("v2");
                JsonNode bad = outcomes.get(app).get("v4");
                assertThat(good.path("phase").asText()).as(app + " v2: " + good).isEqualTo("SUCCEEDED");
                assertThat(bad.path("phase").asText()).as(app + " v4: " + bad).isEqualTo("ROLLED_BACK");

                List<JsonNode> goodEvents = events(app, goodRevision);
                assertThat(kinds(goodEvents)).as(app + " v2").contains("rollout.started", "deploy.succeeded")
                        .doesNotContain("rollback.automatic");
                assertThat(goodEvents).as(app + " v2").anySatisfy(e -> assertThat(e.path("message").asText())
                        .contains("canary weight 50"));
                promoted++;

                List<JsonNode> badEvents = events(app, badRevision);
                assertThat(kinds(badEvents)).as(app + " v4").contains("rollout.started", "rollback.automatic")
                        .doesNotContain("deploy.succeeded");
                JsonNode rollback = badEvents.stream().filter(e -> e.path("kind").asText()
                        .equals("rollback.automatic")).findFirst().orElseThrow();
                assertThat(rollback.path("message").asText()).as(app + " v4").contains("ROLLED_BACK", "error rate");
                rolledBack++;
            }
            assertThat(promoted).isEqualTo(APPS);
            assertThat(rolledBack).isEqualTo(APPS);
            for (SteadyTraffic t : traffic) {
                t.stop();
                assertThat(t.answers()).containsKeys("hello from demo v1", "hello from demo v2");
            }
            // One JSON line: bench/run canary-ten prints it as its result.
            System.out.printf(java.util.Locale.ROOT, "CanaryTenOfTenIT: {\"apps\": %d, \"rate_per_app\": %d,"
                    + " \"promoted\": %d, \"rolled_back\": %d, \"setup_s\": %.0f, \"rollouts\": %d,"
                    + " \"rollouts_s\": %.0f, \"requests\": %d}%n", APPS, RATE, promoted, rolledBack, setup,
                    2 * APPS, rollouts, traffic.stream().mapToLong(SteadyTraffic::sent).sum());
        } finally {
            pool.shutdownNow();
        }
    }
}
