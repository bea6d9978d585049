package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.Ports;
import dev.deployguard.store.JdbcStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard backup etcd save} and {@code restore} against a real etcd (Debian's {@code etcd-server}),
 * with no control plane running: each records its {@code backup.*} event in the state directory's store, with
 * where it came from and nothing secret; a refused restore over a live data directory records nothing.
 */
class EtcdBackupEventsIT {
    @TempDir
    Path dir;
    private Process etcd;
    private String endpoint;

    @BeforeEach
    void startEtcd() throws Exception {
        int client = Ports.freeLoopbackPort();
        int peer = Ports.freeLoopbackPort();
        endpoint = "http://127.0.0.1:" + client;
        etcd = new ProcessBuilder("etcd", "--name", "events-it", "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "events-it=http://127.0.0.1:" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plusSeconds(60); // a hang guard: etcd answers /health once it serves
        while (true) {
            assertThat(etcd.isAlive()).as("etcd exited: " + Files.readString(dir.resolve("etcd.log"))).isTrue();
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    break;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            assertThat(Instant.now()).as("etcd healthy within 60 s").isBefore(deadline);
            Thread.sleep(100);
        }
    }

    @AfterEach
    void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.destroyForcibly().waitFor();
        }
    }

    @Test
    void saveAndRestoreAreRecordedAsEventsAndARefusedRestoreIsNot() throws Exception {
        Path state = dir.resolve("state");
        Path snaps = dir.resolve("snaps");

        CommandTreeTest.Run save = CommandTreeTest.run("--state-dir", state.toString(), "backup", "etcd", "save",
                "--endpoints", endpoint, "--dir", snaps.toString());
        assertThat(save.exit()).as(save.out() + save.err()).isZero();
        Path file;
        try (Stream<Path> s = Files.list(snaps)) {
            file = s.filter(p -> p.getFileName().toString().endsWith(".db")).findFirst().orElseThrow();
        }

        CommandTreeTest.Run refused = CommandTreeTest.run("--state-dir", state.toString(), "backup", "etcd",
                "restore", file.toString(), "--data-dir", dir.resolve("etcd").toString());
        assertThat(refused.exit()).as("a live data directory is never restored over").isEqualTo(4);
        assertThat(refused.err()).contains("refusing to restore into", "not empty");

        CommandTreeTest.Run restore = CommandTreeTest.run("--state-dir", state.toString(), "backup", "etcd",
                "restore", file.toString(), "--data-dir", dir.resolve("restored").toString());
        assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();

        List<Event> events;
        try (JdbcStore store = JdbcStore.embedded(state)) {
            events = store.events(null, 0, null, 100).stream().filter(e -> e.kind().startsWith("backup.")).toList();
        }
        assertThat(events).extracting(Event::kind)
                .containsExactly(EventKinds.BACKUP_CREATED, EventKinds.BACKUP_RESTORED);
        assertThat(events).allSatisfy(e -> assertThat(e.data()).containsEntry("target", "etcd"));
        assertThat(events.get(0).data()).containsEntry("where", endpoint);
        assertThat(events.get(1).message()).contains(file.getFileName().toString().replace(".db", ""));
    }
}
