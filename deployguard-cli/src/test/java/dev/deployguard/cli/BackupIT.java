package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deployguard backup}: an online backup through a running control plane, refusals, restore, re-adoption. */
class BackupIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void anOnlineBackupRestoresIntoAStoppedControlPlaneThatReadoptsTheRunningApp() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        JsonNode before = h.ok("status", "demo", "-o", "json").json();

        // Online: the server holds the embedded H2 file, so the backup is taken through it; retention in days as
        // docs/backup.md shows it (the API reads the age the CLI parsed, in ISO-8601).
        JsonNode response = h.ok("backup", "create", "--keep", "14", "--max-age", "30d", "-o", "json").json();
        assertThat(response.path("pruned")).isEmpty();
        JsonNode created = response.path("backup");
        String id = created.path("id").asText();
        assertThat(created.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(created.path("verification").path("message").asText()).contains("content hashes equal");
        Path file = h.stateDir.resolve("backups").resolve(id + ".dgbackup");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(h.ok("backup", "list").out()).contains(id).contains("COMPLETED");
        JsonNode live = ApiClient.forStateDir(h.stateDir, null, "test").get("/api/events");
        assertThat(live.path("events").findValuesAsText("kind")).contains("backup.created");

        Harness.Run refused = h.cli("backup", "restore", id);
        assertThat(refused.exit()).isEqualTo(4);
        assertThat(refused.err()).contains("is running on").contains("Nothing was restored");

        h.ok("deploy", "demo", "--version", "v2");
        h.killServer();

        Harness.Run unknown = h.cli("backup", "restore", "20250101T000000Z-000000");
        assertThat(unknown.exit()).isEqualTo(6);
        assertThat(unknown.err()).contains("no backup '20250101T000000Z-000000'");

        byte[] good = Files.readAllBytes(file);
        byte[] flipped = good.clone();
        flipped[100] ^= 0x01;
        Files.write(file, flipped);
        Harness.Run tampered = h.cli("backup", "restore", id);
        assertThat(tampered.exit()).isEqualTo(2);
        assertThat(tampered.err()).contains("SHA-256 trailer does not match").contains("nothing was restored");
        Harness.Run verify = h.cli("backup", "verify", id);
        assertThat(verify.exit()).isEqualTo(1);
        assertThat(verify.out()).contains("FAILED");
        Files.write(file, good);
        assertThat(h.ok("backup", "verify", id).out()).contains("COMPLETED");

        assertThat(h.ok("backup", "restore", id).out()).contains("restored backup " + id);

        h.startServer();
        JsonNode after = h.ok("status", "demo", "-o", "json").json();
        assertThat(after.path("serving").path("version").asText())
                .isEqualTo(before.path("serving").path("version").asText()).isEqualTo("v1");
        assertThat(Harness.pids(after)).containsExactlyInAnyOrderElementsOf(Harness.pids(before));
        JsonNode events = ApiClient.forStateDir(h.stateDir, null, "test").get("/api/events").path("events");
        assertThat(events.findValuesAsText("kind")).contains("backup.restored", "instance.adopted");
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }
}
