package dev.deployguard.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.notify.Notification;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.store.JdbcStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery against real local endpoints: one that answers, one that is down, one that accepts and never answers. */
class HttpNotifierTest {
    @TempDir
    Path dir;
    JdbcStore store;
    EventLog events;
    HttpServer recorder;
    ServerSocket hanging;
    final List<Socket> held = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    int downPort;

    @BeforeEach
    void setUp() throws IOException {
        store = JdbcStore.embedded(dir.resolve("state"));
        events = new EventLog(store, Clock.systemUTC());
        recorder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        recorder.createContext("/", ex -> {
            bodies.add(ex.getRequestURI().getPath() + " " + ex.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        recorder.start();
        hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    held.add(hanging.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            downPort = s.getLocalPort();
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        recorder.stop(0);
        hanging.close();
        for (Socket s : held) {
            s.close();
        }
        store.close();
    }

    private SpecSource spec(String targets) throws IOException {
        return spec(targets, "1s");
    }

    private SpecSource spec(String targets, String timeout) throws IOException {
        Path file = dir.resolve("deployguard.yaml");
        Files.writeString(file, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["/bin/true", "${port}"]
                        listen: "127.0.0.1:1"
                    notifications:
                      targets:
                %s
                      timeout: %s
                      retries: 1
                      backoff: 50ms
                """.formatted(targets.indent(8), timeout));
        return new SpecSource(file);
    }

    private static Notification rollback() {
        return new Notification("web", "rollback", EventKinds.ROLLBACK_AUTOMATIC, Instant.parse("2026-11-26T01:00:00Z"),
                "system", 2, "rollback.automatic: all traffic back on revision 1", Map.of("switchMillis", 3));
    }

    private List<Event> failures() {
        return store.events("web", 0, null, 100).stream()
                .filter(e -> e.kind().equals(EventKinds.NOTIFICATION_FAILED)).toList();
    }

    private static void await(Duration max, java.util.function.BooleanSupplier c) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        while (!c.getAsBoolean()) {
            assertThat(Instant.now()).as("condition not met within %s", max).isBefore(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aWebhookGetsTheEventAsJsonAndSlackGetsText() throws Exception {
        int port = recorder.getAddress().getPort();
        try (var notifier = new HttpNotifier(spec("""
                - {type: webhook, url: "http://127.0.0.1:%d/hook"}
                - {type: slack, url: "http://127.0.0.1:%d/slack"}
                """.formatted(port, port)), events)) {
            notifier.notify(rollback());
            // Both targets answered (on a loaded machine the webhook may be sent twice: a retry after its 1 s timeout).
            await(Duration.ofSeconds(10), () -> bodies.stream().anyMatch(b -> b.startsWith("/hook "))
                    && bodies.stream().anyMatch(b -> b.startsWith("/slack ")));
        }
        assertThat(bodies).anySatisfy(b -> assertThat(b).startsWith("/hook application/json {\"app\":\"web\","
                + "\"topic\":\"rollback\",\"kind\":\"rollback.automatic\"").contains("\"switchMillis\":3"));
        assertThat(bodies).contains("/slack application/json {\"text\":\"[web] rollback.automatic: all traffic back"
                + " on revision 1\"}");
        assertThat(failures()).isEmpty();
    }

    @Test
    void targetsThatAreDownOrHangAreReportedAsEventsAndNeverHoldTheCaller() throws Exception {
        try (var notifier = new HttpNotifier(spec("""
                - {type: webhook, url: "http://127.0.0.1:%d/down"}
                - {type: webhook, url: "http://127.0.0.1:%d/hang/secret-path"}
                """.formatted(downPort, hanging.getLocalPort())), events)) {
            for (int i = 0; i < 20; i++) {
                notifier.notify(rollback());
            }
            await(Duration.ofSeconds(30), () -> failures().stream().anyMatch(e -> e.message().contains("no answer")));
        }
        List<String> messages = failures().stream().map(Event::message).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).isEqualTo("notification of rollback.automatic to webhook"
                + " http://127.0.0.1:" + downPort + " failed after 2 attempt(s): unreachable (ConnectException)"));
        assertThat(messages).anySatisfy(m -> assertThat(m).isEqualTo("notification of rollback.automatic to webhook"
                + " http://127.0.0.1:" + hanging.getLocalPort() + " failed after 2 attempt(s): no answer within"
                + " 1000 ms"));
        assertThat(messages).noneMatch(m -> m.contains("secret-path"));
    }

    /**
     * The target holds every request until the test lets it answer, and the test lets it answer only after all the
     * notify calls returned: were a call to wait for its delivery, it would wait forever, and the bound below (which
     * only catches that hang) would fail the test. No measurement of how long a call takes is involved.
     */
    @Test
    void notifyReturnsWhileTheTargetStillHoldsTheRequest() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger answered = new AtomicInteger();
        HttpServer held = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool();
        held.setExecutor(handlers);
        held.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            received.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answered.incrementAndGet();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        held.start();
        try (var notifier = new HttpNotifier(spec("""
                - {type: webhook, url: "http://127.0.0.1:%d/held"}
                """.formatted(held.getAddress().getPort()), "60s"), events)) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < 20; i++) {
                    notifier.notify(rollback());
                }
            }, "notify() waited for a delivery the target holds");
            assertThat(received.await(30, TimeUnit.SECONDS)).as("a delivery reached the target").isTrue();
            assertThat(answered).as("the target answers only when released").hasValue(0);
            release.countDown();
            await(Duration.ofSeconds(30), () -> answered.get() == 20);
        } finally {
            release.countDown();
            held.stop(0);
            handlers.shutdownNow();
        }
        assertThat(failures()).isEmpty();
    }

    /**
     * The first target hangs (accepts, never answers, 60 s timeout); the second gets all twenty messages, in the order
     * they were raised, while the first has not given up on its first message yet.
     */
    @Test
    void aTargetThatHangsDelaysOnlyItsOwnMessagesAndEachTargetGetsItsMessagesInOrder() throws Exception {
        int port = recorder.getAddress().getPort();
        try (var notifier = new HttpNotifier(spec("""
                - {type: webhook, url: "http://127.0.0.1:%d/hang"}
                - {type: webhook, url: "http://127.0.0.1:%d/hook"}
                """.formatted(hanging.getLocalPort(), port), "60s"), events)) {
            for (int i = 0; i < 20; i++) {
                notifier.notify(new Notification("web", "rollback", EventKinds.ROLLBACK_AUTOMATIC, Instant.now(),
                        "system", 2, "message " + i, Map.of("seq", i)));
            }
            // The hanging target has accepted its first message's connection and holds it.
            await(Duration.ofSeconds(30), () -> bodies.size() >= 20 && !held.isEmpty());
            assertThat(failures()).as("the hanging target has not given up yet").isEmpty();
        }
        assertThat(bodies).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(bodies.get(i)).startsWith("/hook ").contains("\"seq\":" + i + "}");
        }
    }

    @Test
    void aMissingSecretVariableIsReportedByNameNotSent() throws Exception {
        String unset = "DEPLOYGUARD_TEST_UNSET_" + System.nanoTime();
        try (var notifier = new HttpNotifier(spec("""
                - {type: slack, urlEnv: %s}
                - {type: webhook, url: "http://127.0.0.1:%d/hook", tokenEnv: %s}
                """.formatted(unset, recorder.getAddress().getPort(), unset)), events)) {
            notifier.notify(rollback());
            await(Duration.ofSeconds(10), () -> failures().size() == 2);
        }
        assertThat(failures()).extracting(Event::message).allSatisfy(m -> assertThat(m)
                .contains("environment variable " + unset, "is not set in the control plane's environment"));
        assertThat(bodies).isEmpty();
    }

    @Test
    void topicsNotChosenAreNotSent() throws Exception {
        Path file = dir.resolve("only-incidents.yaml");
        Files.writeString(file, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["/bin/true", "${port}"]
                        listen: "127.0.0.1:1"
                    notifications:
                      targets: [{type: webhook, url: "http://127.0.0.1:%d/hook"}]
                      on: [incident]
                """.formatted(recorder.getAddress().getPort()));
        try (var notifier = new HttpNotifier(new SpecSource(file), events)) {
            notifier.notify(rollback());
            notifier.notify(new Notification("web", "incident", EventKinds.INCIDENT_OPENED, Instant.now(), "system",
                    2, "incident.opened: incident 1", Map.of()));
            await(Duration.ofSeconds(10), () -> !bodies.isEmpty());
        }
        assertThat(bodies).singleElement().asString().contains("incident.opened");
    }

    @Test
    void anAppLessBackupEventGoesOnceToEachAddressWhoseAppAskedForBackups() throws Exception {
        Path file = dir.resolve("backups.yaml");
        int port = recorder.getAddress().getPort();
        Files.writeString(file, """
                apps:
                  shop:
                    platform: {local: {command: ["/bin/true", "${port}"], listen: "127.0.0.1:1"}}
                    notifications:
                      targets: [{type: webhook, url: "http://127.0.0.1:%1$d/shared"}]
                      on: [rollback, backup]
                  cart:
                    platform: {local: {command: ["/bin/true", "${port}"], listen: "127.0.0.1:2"}}
                    notifications:
                      targets: [{type: webhook, url: "http://127.0.0.1:%1$d/shared"}]
                      on: [backup]
                  quiet:
                    platform: {local: {command: ["/bin/true", "${port}"], listen: "127.0.0.1:3"}}
                    notifications:
                      targets: [{type: webhook, url: "http://127.0.0.1:%1$d/not-asked"}]
                  ops:
                    platform: {local: {command: ["/bin/true", "${port}"], listen: "127.0.0.1:4"}}
                    notifications:
                      targets: [{type: slack, url: "http://127.0.0.1:%1$d/ops"}]
                      on: [backup]
                """.formatted(port));
        try (var notifier = new HttpNotifier(new SpecSource(file), events)) {
            events.addListener(new EventNotifications(notifier));
            var b = new dev.deployguard.event.BackupEvent("etcd", "create", "20261207T1000Z-1", false,
                    "https://root:s3cret@127.0.0.1:2379", "trailer mismatch at byte 4096", 0);
            events.record(null, null, "cron", b.kind(), b.message(), b.data());
            await(Duration.ofSeconds(10), () -> bodies.stream().anyMatch(x -> x.startsWith("/ops "))
                    && bodies.stream().anyMatch(x -> x.startsWith("/shared ")) && notifier.idle());
        }
        assertThat(bodies).hasSize(2);
        assertThat(bodies).anySatisfy(x -> assertThat(x).startsWith("/shared application/json {\"app\":null,"
                + "\"topic\":\"backup\",\"kind\":\"backup.failed\"").contains("\"target\":\"etcd\"",
                "etcd snapshot 20261207T1000Z-1 FAILED of https://127.0.0.1:2379: trailer mismatch"));
        assertThat(bodies).anySatisfy(x -> assertThat(x).startsWith("/ops application/json {\"text\":\"[deployguard]"
                + " backup.failed: etcd snapshot"));
        assertThat(String.join("\n", bodies)).doesNotContain("s3cret", "root@");
        assertThat(store.events(null, 0, null, 100)).extracting(Event::kind).containsExactly(EventKinds.BACKUP_FAILED);
    }
}
