package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.local.load.SteadyTraffic;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.PostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@code deployguard server --leader-elect=postgres} processes on one real PostgreSQL 15,
 * sharing one state directory (one host: the app's processes and its router stay where they run), with user traffic
 * through the router the whole time. kill -9 of the leader in the middle of a canary's timed pause: the follower
 * leads within the lease (the killed session's advisory lock is freed at once), adopts the rollout and carries on
 * from the step it had reached. SIGSTOP of the new leader past its lease: a third replica takes over by the database's
 * clock; after SIGCONT the stopped one's lease renewal ({@code UPDATE ... WHERE epoch = ?}) is refused by the fencing
 * epoch and it steps down without writing. Every step runs exactly once, no request fails, the rollout completes.
 */
class PostgresLeaderElectIT {
    private static final Duration LEASE = Duration.ofSeconds(4);

    @TempDir
    Path dir;
    private PostgresServer pg;
    private Harness h;
    private final List<Process> servers = new ArrayList<>();
    /** The replica the CLI's commands go to. */
    private volatile String server;

    @AfterEach
    void stop() throws Exception {
        for (Process p : servers) {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        if (pg != null) {
            try (var store = JdbcStore.open(pg.url(), "postgres", null)) {
                for (String app : store.apps()) {
                    store.instances(app).forEach(i -> ProcessHandle.of(i.pid()).ifPresent(ProcessHandle::destroyForcibly));
                    store.router(app).ifPresent(r -> ProcessHandle.of(r.pid()).ifPresent(ProcessHandle::destroyForcibly));
                }
            } catch (RuntimeException e) {
                // The store may not exist if the test failed early: the Harness below kills by command line.
            }
        }
        if (h != null) {
            h.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void killMinus9AndSigstopOfTheLeaderMidCanaryLoseNothingAndRunNoStepTwice() throws Exception {
        pg = PostgresServer.start();
        phase("PostgreSQL started");
        h = new Harness(dir, "", 1);
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, """
                strategy:
                  canary:
                    steps:
                      - setWeight: 20
                      - pause: {}
                      - setWeight: 40
                      - pause: {duration: 3s}
                      - setWeight: 60
                      - pause: {}
                      - setWeight: 80
                    bake: 1s
                """);
        Files.createDirectories(h.stateDir);

        // given replica 0 leads (it creates the state directory's tokens) and has deployed v1; replicas 1 and 2 follow
        String first = start(0);
        Harness.await(Duration.ofSeconds(30), () -> "leader".equals(role(first)));
        Process[] replicas = {servers.get(0), launch(1), launch(2)};
        server = first;
        h.ok("--server", server, "deploy", "demo", "--version", "v1");
        phase("v1 deployed");
        String[] urls = {first, url(1), url(2)};
        Harness.await(Duration.ofSeconds(30), () -> "follower".equals(role(urls[1])) && "follower".equals(role(urls[2])));
        assertThat(h.cli("--server", urls[1], "incident", "open", "demo", "--title", "x").exit())
                .as("a follower refuses changes").isEqualTo(5);
        phase("followers up");

        try (var traffic = new SteadyTraffic(h.app(), 4, 100).start()) {
            // when the leader runs a canary and is killed -9 in its timed pause at 40%
            h.ok("--server", server, "deploy", "demo", "--version", "v2");
            awaitStep("canary weight 20%");
            h.ok("--server", server, "promote", "demo");
            awaitStep("canary weight 40%");
            phase("canary at 40%");
            long killedAt = System.nanoTime();
            replicas[0].destroyForcibly();
            replicas[0].waitFor();

            // then a follower leads within the lease and carries the rollout on from 40% to the manual pause at 60%
            Harness.await(LEASE, () -> "leader".equals(role(urls[1])) || "leader".equals(role(urls[2])));
            System.out.printf("PostgresLeaderElectIT: a follower leads %d ms after kill -9 of the leader (lease %s)%n",
                    (System.nanoTime() - killedAt) / 1_000_000, LEASE);
            int second = "leader".equals(role(urls[1])) ? 1 : 2;
            int third = 3 - second;
            server = urls[second];
            awaitStep("canary weight 60%");
            Harness.await(Duration.ofSeconds(20), () -> "PAUSED".equals(rollout().path("phase").asText()));
            phase("second leader paused at 60%");

            // when the second leader is stopped (SIGSTOP) past its lease, the third takes over by the database's clock
            server = urls[third];
            signal(replicas[second], "STOP");
            long stoppedAt = System.nanoTime();
            Harness.await(Duration.ofSeconds(20), () -> "leader".equals(role(urls[third])));
            assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).as("waited for the stopped one's lease")
                    .isGreaterThanOrEqualTo(LEASE.minusSeconds(1));
            List<String> before = stepMessages();
            assertThat(epoch()).isEqualTo(3);
            signal(replicas[second], "CONT");
            phase("third leader took over");

            // then its lease renewal is refused by the fencing epoch, it steps down, and it wrote nothing
            Path log = dir.resolve("replica-" + second + ".log");
            Harness.await(Duration.ofSeconds(20), () -> Harness.read(log).contains("refused by the fencing epoch"));
            assertThat(Harness.read(log)).contains("it led under epoch 2, the lease 'deployguard-control-plane' is now"
                    + " at epoch 3");
            Harness.await(Duration.ofSeconds(10), () -> "follower".equals(role(urls[second])));
            assertThat(epoch()).isEqualTo(3);
            assertThat(stepMessages()).isEqualTo(before);
            assertThat(rollout().path("phase").asText()).isEqualTo("PAUSED");
            List<JsonNode> following = events("controlplane.following");
            assertThat(following).hasSize(1);
            assertThat(following.get(0).path("message").asText()).contains("refused by the fencing epoch");
            phase("stale leader fenced");

            // and the third leader finishes the rollout
            h.ok("--server", server, "promote", "demo");
            try {
                Harness.await(Duration.ofSeconds(30), () -> "SUCCEEDED".equals(rollout().path("phase").asText()));
            } catch (AssertionError e) {
                throw new AssertionError("rollout not done: " + rollout() + "\n" + logs(), e);
            }
            traffic.stop();
            phase("rollout succeeded");
            assertThat(traffic.failed()).as("failed requests of %d: %s", traffic.sent(), traffic.failureSamples())
                    .isZero();
            assertThat(traffic.answers()).containsKeys("hello from demo v1", "hello from demo v2");
        }
        // every step ran exactly once, across three leaders
        assertThat(stepMessages()).containsExactly("step 1/7: canary weight 20%", "step 3/7: canary weight 40%",
                "step 5/7: canary weight 60%", "step 7/7: canary weight 80%");
        assertThat(events("controlplane.leading")).hasSize(3);
        assertThat(h.get()).isEqualTo("hello from demo v2");
    }

    private final long started = System.nanoTime();

    private void phase(String what) {
        System.out.printf("PostgresLeaderElectIT: %5.1f s  %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    /** The end of each replica's log, to see why when a step did not happen. */
    private String logs() {
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < servers.size(); n++) {
            String text = Harness.read(dir.resolve("replica-" + n + ".log"));
            out.append("--- replica ").append(n).append(" ---\n")
                    .append(text.substring(Math.max(0, text.length() - 4000))).append('\n');
        }
        return out.toString();
    }

    /** Starts replica {@code n} and waits for its API; returns its URL. */
    private String start(int n) throws Exception {
        launch(n);
        return url(n);
    }

    /** Starts replica {@code n} on the shared state directory and store. */
    private Process launch(int n) throws Exception {
        Path log = dir.resolve("replica-" + n + ".log");
        // C1 only: three control planes, the app and the router share two cores with the build; startup dominates.
        Process p = new ProcessBuilder(Harness.java(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", Harness.classPath(),
                DeployGuard.class.getName(), "--state-dir", h.stateDir.toString(), "server", "-f", h.spec.toString(),
                "--listen", "127.0.0.1:0", "--store-url", pg.url(), "--store-user", "postgres",
                "--leader-elect=postgres", "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period",
                "500ms").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        servers.add(p);
        return p;
    }

    /** Replica {@code n}'s API URL, from its banner (server.json names whichever started last). */
    private String url(int n) throws Exception {
        Path log = dir.resolve("replica-" + n + ".log");
        Process p = servers.get(n);
        Pattern banner = Pattern.compile("DeployGuard control plane on (http://\\S+) ");
        String[] found = new String[1];
        Harness.await(Duration.ofSeconds(60), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("replica " + n + " exited: " + Harness.read(log));
            }
            Matcher m = banner.matcher(Harness.read(log));
            if (m.find()) {
                found[0] = m.group(1);
            }
            return found[0] != null;
        });
        return found[0];
    }

    private static void signal(Process p, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    private void awaitStep(String weight) throws InterruptedException {
        Harness.await(Duration.ofSeconds(30), () -> stepMessages().stream().anyMatch(m -> m.endsWith(weight)));
    }

    private JsonNode rollout() {
        return h.ok("--server", server, "status", "demo", "-o", "json").json().path("rollout");
    }

    private List<String> stepMessages() {
        List<String> out = new ArrayList<>();
        events("rollout.step").forEach(e -> out.add(e.path("message").asText()));
        return out;
    }

    private List<JsonNode> events(String kind) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : h.ok("--server", server, "events", "--type", kind, "-o", "json").json().path("events")) {
            if (e.path("kind").asText().equals(kind)) {
                out.add(e);
            }
        }
        return out;
    }

    private long epoch() throws Exception {
        try (var c = DriverManager.getConnection(pg.url(), "postgres", "");
             var rs = c.createStatement().executeQuery("SELECT epoch FROM control_plane_lease")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String role(String url) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
                    .send(HttpRequest.newBuilder(URI.create(url + "/api/health")).timeout(Duration.ofSeconds(2))
                            .build(), HttpResponse.BodyHandlers.ofString());
            return Json.mapper().readTree(r.body()).path("role").asText();
        } catch (Exception e) {
            return "unreachable";
        }
    }
}
