package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.process.Ports;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stop, delete and down end to end: real control plane, router and app processes. "Nothing left behind" is
 * asserted by PID: every instance and router PID the control plane reported is gone.
 */
class TeardownIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    /**
     * Every instance and router PID the status of {@code app} names, and the router's JVM: the router runs under a
     * supervisor by default, whose pid is the one status shows; its children are two JVMs (the one that serves and
     * its warm standby), with no shell between.
     */
    private List<Long> pids(String app) {
        JsonNode status = h.ok("status", app, "-o", "json").json();
        List<Long> pids = new ArrayList<>(Harness.pids(status));
        long router = status.path("router").path("pid").asLong();
        pids.add(router);
        List<Long> routerJvm = ProcessHandle.of(router).orElseThrow().descendants().map(ProcessHandle::pid).toList();
        assertThat(routerJvm).as("two JVMs under the router's supervisor (pid %d)", router)
                .hasSize(2);
        pids.addAll(routerJvm);
        assertThat(pids).doesNotContain(0L);
        return pids;
    }

    private static void assertGone(List<Long> pids) {
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                .as("process %d", pid).isEmpty());
    }

    private static void assertAlive(List<Long> pids) {
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                .as("process %d", pid).isPresent());
    }

    private List<String> history(String app) {
        return h.ok("history", app, "-o", "json").json().path("releases").findValuesAsText("version");
    }

    private List<String> eventKinds(String app) {
        return h.ok("events", app, "-o", "json").json().path("events").findValuesAsText("kind");
    }

    @Test
    void stopTakesInstancesAndRouterDownKeepsHistoryAndADeployBringsItBack() throws Exception {
        h = new Harness(dir, "", 2);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "demo", "--version", "v2");
        List<Long> pids = pids("demo");
        assertThat(pids).as("v2, warm v1 (two instances each), the router's supervisor and its two JVMs")
                .hasSize(7);

        Harness.Run r = h.ok("stop", "demo", "-o", "json");

        assertGone(pids);
        assertThat(r.json().path("instancePids")).hasSize(4);
        assertThat(r.json().path("message").asText()).contains("stopped app 'demo'", "history kept",
                "revision 2 (v2) no longer serves", "deployguard deploy demo --version v2");
        assertThat(history("demo")).containsExactly("v1", "v2");
        JsonNode status = h.ok("status", "demo", "-o", "json").json();
        assertThat(status.path("serving").isNull()).isTrue();
        assertThat(status.path("instances")).isEmpty();
        assertThat(status.path("router").isNull()).isTrue();
        assertThat(h.ok("status", "demo").out()).contains("app demo: nothing serving");
        assertThat(eventKinds("demo")).contains("app.stopped");
        try {
            h.get();
            throw new AssertionError("the app still answers after stop");
        } catch (ConnectException expected) {
            // Nothing listens on the app's address any more.
        }
        assertThat(h.ok("stop", "demo").out()).contains("nothing to stop");

        h.ok("deploy", "demo", "--version", "v3");
        assertThat(h.get()).isEqualTo("hello from demo v3");
        assertThat(history("demo")).containsExactly("v1", "v2", "v3");
    }

    @Test
    void deleteKeepHistoryStopsEverythingAndKeepsTheRecord() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1", "--change-cause", "first");
        List<Long> pids = pids("demo");

        Harness.Run r = h.ok("delete", "demo", "--keep-history");

        assertGone(pids);
        assertThat(r.out()).contains("deleted app 'demo'", "history kept", "still declared in");
        JsonNode history = h.ok("history", "demo", "-o", "json").json();
        assertThat(history.path("releases").findValuesAsText("changeCause")).containsExactly("first");
        assertThat(eventKinds("demo")).contains("deploy.succeeded", "app.deleted");
        assertThat(h.dir.resolve("state/logs/demo")).isDirectory();
    }

    @Test
    void deleteRemovesTheHistoryAndLogsButRecordsWhoDeletedIt() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "demo", "--version", "v2");
        List<Long> pids = pids("demo");

        Harness.Run r = h.ok("delete", "demo", "-o", "yaml");

        assertGone(pids);
        assertThat(r.out()).contains("app: demo", "removed its history (2 revision(s)");
        assertThat(history("demo")).isEmpty();
        JsonNode events = h.ok("events", "demo", "-o", "json").json().path("events");
        assertThat(events.findValuesAsText("kind")).containsExactly("app.deleted");
        assertThat(events.get(0).path("actor").asText()).isEqualTo(Harness.actor());
        // The audit trail keeps the deletion (audit events are the control plane's, naming the app in data).
        JsonNode audit = h.ok("events", "demo", "--type", "audit", "-o", "json").json().path("events");
        assertThat(audit.findValuesAsText("endpoint")).contains("DELETE");
        assertThat(h.dir.resolve("state/logs/demo")).doesNotExist();
        // The spec still declares it: deploying again starts a new history at revision 1.
        h.ok("deploy", "demo", "--version", "v3");
        assertThat(h.ok("history", "demo", "-o", "json").json().path("releases").get(0).path("revision").asInt())
                .isEqualTo(1);
    }

    @Test
    void downStopsEveryAppAndTheControlPlaneAndTheNextServerStillHasTheHistory() throws Exception {
        h = new Harness(dir, "", 1);
        int apiPort = Ports.freeLoopbackPort();
        String spec = Files.readString(h.spec);
        Files.writeString(h.spec, spec + spec.substring(spec.indexOf("  demo:")).replace("  demo:", "  api:")
                .replace("127.0.0.1:" + h.listen, "127.0.0.1:" + apiPort));
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "api", "--version", "v1");
        List<Long> pids = new ArrayList<>(pids("demo"));
        pids.addAll(pids("api"));
        long serverPid = Harness.read(h.stateDir.resolve("server.json")).transform(s -> {
            try {
                return dev.deployguard.json.Json.mapper().readTree(s).path("pid").asLong();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });

        Harness.Run r = h.ok("down");

        assertGone(pids);
        assertThat(r.out()).as("one host router served both apps").contains(
                "stopped 2 app(s): 2 instance(s) and 1 router process(es)",
                "control plane (pid " + serverPid + ") stopped");
        assertThat(ProcessHandle.of(serverPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(h.stateDir.resolve("server.json")).doesNotExist();
        Harness.Run none = h.cli("status", "demo");
        assertThat(none.exit()).isEqualTo(5);

        h.startServer();
        assertThat(history("demo")).containsExactly("v1");
        assertThat(history("api")).containsExactly("v1");
        assertThat(h.ok("status", "demo", "-o", "json").json().path("instances")).isEmpty();
        assertThat(eventKinds("api")).contains("app.stopped");
    }

    /**
     * Issue 16 item 2: both apps are served by one router process (one pid in both statuses); stopping one app removes
     * its listener while the other app keeps being served by the same process; stopping the last one ends the router.
     */
    @Test
    void twoAppsShareOneRouterProcessWhichEndsWithTheLastApp() throws Exception {
        h = new Harness(dir, "", 1);
        int apiPort = Ports.freeLoopbackPort();
        String spec = Files.readString(h.spec);
        Files.writeString(h.spec, spec + spec.substring(spec.indexOf("  demo:")).replace("  demo:", "  api:")
                .replace("127.0.0.1:" + h.listen, "127.0.0.1:" + apiPort));
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "api", "--version", "v1");
        List<Long> demo = pids("demo");
        List<Long> api = pids("api");
        long router = h.ok("status", "demo", "-o", "json").json().path("router").path("pid").asLong();
        assertThat(h.ok("status", "api", "-o", "json").json().path("router").path("pid").asLong())
                .as("one router process for both apps").isEqualTo(router);

        Harness.Run stopApi = h.ok("stop", "api");

        assertThat(stopApi.out()).as("says what is true of a router that serves several apps").contains(
                "listener of api removed from the host router (pid " + router + "), which keeps serving other apps")
                .doesNotContain("router(s)");
        assertThat(ProcessHandle.of(router).filter(ProcessHandle::isAlive)).as("the router serves demo still")
                .isPresent();
        assertThat(h.get()).isEqualTo("hello from demo v1");
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", apiPort), 2_000);
            throw new AssertionError("api's address still accepts connections after stop");
        } catch (ConnectException expected) {
            // api's listener was removed from the router.
        }

        assertThat(h.ok("stop", "demo").out()).contains("listener of demo removed from the host router (pid " + router
                + "), which then stopped: it served no other app");
        assertGone(demo);
        assertGone(api);
    }

    @Test
    void aRolloutInProgressOrAnUnknownAppIsRefusedAndNothingIsStopped() throws Exception {
        h = new Harness(dir, "", 1);
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, """
                strategy:
                  canary:
                    steps:
                      - setWeight: 10
                      - pause: {}
                """);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "demo", "--version", "v2");
        List<Long> pids = pids("demo");

        for (String[] cmd : new String[][] {{"stop", "demo"}, {"delete", "demo"}, {"down"}}) {
            Harness.Run r = h.cli(cmd);
            assertThat(r.exit()).as(String.join(" ", cmd)).isEqualTo(4);
            assertThat(r.err()).as(String.join(" ", cmd)).contains("canary rollout of revision 2 in progress",
                    "promote or abort it first");
        }
        assertThat(h.cli("down").err()).contains("nothing was stopped");
        assertAlive(pids);
        assertThat(history("demo")).containsExactly("v1", "v2");

        Harness.Run unknown = h.cli("stop", "nope");
        assertThat(unknown.exit()).isEqualTo(6);
        assertThat(unknown.err()).contains("unknown app 'nope'", "declares: demo");
        assertThat(h.cli("delete", "nope", "--keep-history").exit()).isEqualTo(6);

        h.ok("abort", "demo");
        h.ok("stop", "demo");
        assertGone(pids);
    }
}
