package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.local.load.SteadyTraffic;
import dev.deployguard.local.process.Ports;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.api.ApiServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "quickstart", description = "Start a control plane and router, deploy the example app, upgrade it,"
        + " roll it back and try a broken upgrade under --atomic, all under steady traffic; then stop everything.")
final class QuickstartCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;

    @Option(names = "--rate", defaultValue = "200", description = "Requests per second of steady traffic (default 200)")
    int rate;
    @Option(names = "--canary-rate", defaultValue = "400",
            description = "Requests per second during the canary part (default 400)")
    int canaryRate;
    @Option(names = "--keep-state", description = "Keep the quickstart's state directory (logs, database) afterwards")
    boolean keepState;

    private long t0;
    private String badOutcome = "?";
    private String goodOutcome = "?";
    private long goodFailed = -1;

    /**
     * Appended to the spec before the canary part: 40% then 80% of traffic, each step judged by the default
     * sequential judge on errors. An error rate confidently under 1% counts as good enough to promote, so the good
     * release is promoted within the quickstart's time; production apps keep the 0.1% default.
     */
    static final String CANARY = """
                strategy:
                  canary:
                    steps:
                      - setWeight: 40
                      - analysis: {}
                      - setWeight: 80
                      - analysis: {}
                    analysis: {interval: 1s, minDuration: 5s, maxDuration: 3m, latency: false,
                               negligibleErrorRate: 0.01}
                    bake: 3s
            """;

    @Override
    public Integer call() throws Exception {
        Logging.quiet();
        t0 = System.nanoTime();
        Path state = root.stateDir().resolve("quickstart-" + System.currentTimeMillis()).toAbsolutePath();
        Files.createDirectories(state);
        int listen = Ports.isFree("127.0.0.1", 18080) ? 18080 : Ports.freeLoopbackPort();
        Path spec = writeSpec(state, listen);
        say("state directory " + state + ", spec " + spec);
        var cp = new ControlPlane(new ControlPlane.Config(state, spec, null, null, null), Clock.systemUTC());
        ApiServer api = null;
        SteadyTraffic traffic = null;
        boolean ok = false;
        try {
            cp.events().addListener(this::show);
            cp.start();
            api = new ApiServer(cp, "127.0.0.1", 0, false);
            api.start();
            var client = new ApiClient(api.url(), cp.apiToken(), System.getProperty("user.name", "quickstart"));
            say("control plane API on " + api.url() + "; the demo app will be served on http://127.0.0.1:" + listen);

            step("1/6 deploy v1");
            deploy(client, "v1", "initial release", false);
            traffic = new SteadyTraffic(URI.create("http://127.0.0.1:" + listen + "/"), 4, rate).start();
            say("steady traffic started: " + rate + " req/s through the router");
            pause(Duration.ofSeconds(2));

            step("2/6 upgrade to v2");
            deploy(client, "v2", "upgrade to v2", false);
            pause(Duration.ofSeconds(2));

            step("3/6 roll back to the previous release");
            JsonNode rb = client.post("/api/apps/demo/rollback", Map.of());
            say(rb.path("message").asText());
            pause(Duration.ofSeconds(2));

            step("4/6 upgrade to v3, which never becomes ready, with --atomic --timeout 4s");
            boolean refused = false;
            try {
                deploy(client, "v3", "upgrade to v3 (broken readiness)", true);
            } catch (DeployGuardException e) {
                refused = e.exitCode() == ExitCode.DEPLOY_FAILED;
                say("as expected, the deploy failed (exit code " + e.exitCode().code() + "): "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
            pause(Duration.ofMillis(1500));
            traffic.stop();
            long firstFailed = traffic.failed();
            long firstSent = traffic.sent();
            var firstAnswers = traffic.answers();
            var firstSamples = traffic.failureSamples();

            step("5/6 canary: v4 answers 2% of requests with errors; DeployGuard must catch it by itself");
            Files.writeString(spec, Files.readString(spec) + CANARY);
            say("the spec now has a canary strategy (the spec is read again for each operation)");
            long detectMillis;
            long blastRadius;
            try (var canaryTraffic = new SteadyTraffic(URI.create("http://127.0.0.1:" + listen + "/"), 4,
                    canaryRate).start()) {
                long t = System.nanoTime();
                deploy(client, "v4", "v4 with a 2% error regression", false);
                JsonNode bad = awaitRollout(client);
                detectMillis = (System.nanoTime() - t) / 1_000_000;
                canaryTraffic.stop();
                blastRadius = canaryTraffic.failed();
                badOutcome = bad.path("phase").asText();
                say("rollout of v4: " + badOutcome + " after " + detectMillis / 1000.0 + " s: "
                        + bad.path("outcome").asText());
            }

            step("6/6 canary: v5 is good; DeployGuard must promote it by itself");
            long promoteMillis;
            try (var canaryTraffic = new SteadyTraffic(URI.create("http://127.0.0.1:" + listen + "/"), 4,
                    canaryRate).start()) {
                long t = System.nanoTime();
                deploy(client, "v5", "v5, a good release", false);
                JsonNode good = awaitRollout(client);
                promoteMillis = (System.nanoTime() - t) / 1_000_000;
                canaryTraffic.stop();
                goodOutcome = good.path("phase").asText();
                say("rollout of v5: " + goodOutcome + " after " + promoteMillis / 1000.0 + " s ("
                        + good.path("lastVerdict").asText().lines().findFirst().orElse("") + ")");
                goodFailed = canaryTraffic.failed();
            }

            System.out.println();
            System.out.println("History of demo:");
            System.out.print(HistoryCommand.table(client.get("/api/apps/demo/history")).indent(2));
            System.out.println();
            System.out.println("User traffic through the router during deploy, upgrade, rollback and the broken"
                    + " upgrade: " + firstSent + " requests, " + firstFailed + " failed");
            firstAnswers.forEach((body, n) -> System.out.println("  " + n + " x \"" + body + "\""));
            firstSamples.forEach(f -> System.out.println("  failure: " + f));
            System.out.printf("Canary v4 (2%% errors): %s by the sequential judge %.1f s after the deploy began;"
                    + " %d user requests hit its errors before the rollback%n", badOutcome, detectMillis / 1000.0,
                    blastRadius);
            System.out.printf("Canary v5 (good): %s %.1f s after the deploy began, %d failed requests%n", goodOutcome,
                    promoteMillis / 1000.0, goodFailed);
            ok = refused && firstFailed == 0 && firstSent > 0 && "ROLLED_BACK".equals(badOutcome)
                    && "SUCCEEDED".equals(goodOutcome) && goodFailed == 0;
            System.out.println(ok ? "Quickstart passed: zero failed requests across upgrade, rollback and a broken"
                    + " upgrade; the bad canary was rolled back and the good one promoted, by themselves."
                    : "Quickstart FAILED: see above.");
            return ok ? 0 : ExitCode.FAILURE.code();
        } finally {
            if (traffic != null) {
                traffic.stop();
            }
            say("stopping everything the quickstart started");
            try {
                cp.stopEverything();
            } finally {
                if (api != null) {
                    api.close();
                }
                cp.close();
            }
            if (ok && !keepState) {
                deleteTree(state);
            } else {
                say("state, logs and database kept in " + state);
            }
            say("done in " + Duration.ofNanos(System.nanoTime() - t0).toMillis() / 1000.0 + " s");
        }
    }

    private JsonNode awaitRollout(ApiClient client) throws InterruptedException {
        String lastLine = "";
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode r = client.get("/api/apps/demo/status").path("rollout");
            String phase = r.path("phase").asText();
            if (phase.equals("SUCCEEDED") || phase.equals("ROLLED_BACK")) {
                return r;
            }
            String line = phase + ", canary weight " + r.path("weight").asInt() / 100 + "%, "
                    + r.path("lastVerdict").asText("").lines().findFirst().orElse("");
            if (!line.equals(lastLine)) {
                say("    " + (line.length() > 150 ? line.substring(0, 150) + "..." : line));
                lastLine = line;
            }
            Thread.sleep(2000);
        }
        throw new DeployGuardException(ExitCode.FAILURE, "the canary rollout did not finish within 4 minutes");
    }

    private void deploy(ApiClient client, String version, String cause, boolean atomic) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("changeCause", cause);
        body.put("atomic", atomic);
        if (atomic) {
            body.put("timeout", "4s");
        }
        say(client.post("/api/apps/demo/deploy", body).path("message").asText());
    }

    /** The example app, run from this very jar (or test classpath) with a per-version behaviour table. */
    static Path writeSpec(Path state, int listen) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
        String yaml = """
                # Written by `deployguard quickstart`. v3 never becomes ready, to show --atomic.
                apps:
                  demo:
                    platform:
                      local:
                        command: [%s, "-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", %s,
                                  "dev.deployguard.demo.DemoApp", "--port", "${port}", "--version", "${version}"]
                        env:
                          DEMO_BEHAVIOUR: "v3:ready=false;v4:errorRate=0.02"
                        instances: 2
                        listen: 127.0.0.1:%d
                        readiness: {path: /ready, timeout: 30s, interval: 100ms}
                        stop: {signal: TERM, gracePeriod: 5s}
                """.formatted(quote(java), quote(cp), listen);
        Path file = state.resolve("quickstart.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void show(Event e) {
        say("  [" + e.kind() + "] " + e.message().lines().findFirst().orElse(""));
    }

    private void step(String what) {
        System.out.println();
        say("== " + what);
    }

    private void say(String line) {
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%6.1fs  %s%n", s, line);
        System.out.flush();
    }

    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Leaving a temp directory behind is harmless.
        }
    }
}
