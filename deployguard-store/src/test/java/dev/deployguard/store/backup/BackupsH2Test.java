package dev.deployguard.store.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.store.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupsH2Test {
    @TempDir
    Path state;
    JdbcStore store;
    Backups backups;

    @BeforeEach
    void given() throws Exception {
        store = JdbcStore.embedded(state);
        store.createRelease(release("web", "v1"));
        store.createRelease(release("web", "v2"));
        store.append(Event.of(Instant.now(), "web", 2, "alice", EventKinds.DEPLOY_SUCCEEDED, "deployed v2"));
        Files.writeString(state.resolve("api.token"), "api-secret");
        Files.writeString(state.resolve("router.token"), "router-secret");
        Files.createDirectories(state.resolve("routers"));
        Files.writeString(state.resolve("routers/web.routes.json"), "{\"app\":\"web\"}");
        backups = new Backups(Backups.defaultDir(state), new StoreLocation(state, null, null, null), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    static Release release(String app, String version) {
        return new Release(app, 1, version, List.of("./run"), Map.of(), 1, "sha256:x", "ship " + version, "alice",
                Instant.parse("2026-12-01T10:00:00Z"), ReleaseStatus.PENDING, null);
    }

    @Test
    void anOnlineBackupIsVerifiedPrivateAndRestoresTheStateExactly() throws Exception {
        BackupRecord b = backups.create(store, null, "alice");

        assertThat(b.status()).isEqualTo(BackupRecord.Status.COMPLETED);
        assertThat(b.verification().ok()).isTrue();
        assertThat(b.verification().message()).contains("counts and content hashes equal");
        assertThat(b.stateFiles()).containsExactly("api.token", "router.token", "routers/web.routes.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backups.file(b.id()))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backups.dir()))).isEqualTo("rwx------");
        assertThat(backups.list()).extracting(BackupRecord::id).containsExactly(b.id());
        assertThat(store.events(null, 0, null, 1000).stream().map(Event::kind)).contains(EventKinds.BACKUP_CREATED);

        // After the backup: a third release, and the tokens change.
        store.createRelease(release("web", "v3"));
        Files.writeString(state.resolve("api.token"), "changed");
        store.close();
        store = null;

        Backups.Restored r = backups.restore(b.id(), null, "bob");

        assertThat(r.stateFiles()).contains("api.token");
        assertThat(Files.readString(state.resolve("api.token"))).isEqualTo("api-secret");
        store = JdbcStore.embedded(state);
        assertThat(store.history("web")).extracting(Release::version).containsExactlyInAnyOrder("v1", "v2");
        assertThat(store.events(null, 0, null, 1000)).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo(EventKinds.BACKUP_RESTORED);
            assertThat(e.message()).contains(b.id());
        });
    }

    @Test
    void aBackupUnderConcurrentWritesIsOneSnapshot() throws Exception {
        var writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        var written = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                store.append(Event.of(Instant.now(), "web", 1, "bot", EventKinds.INSTANCE_READY, "ready"));
                written.incrementAndGet();
            }
        });
        writer.start();
        try {
            // Several backups while the writer runs: the digest and the dump must come from the same snapshot, or
            // the scratch restore's counts differ and the backup is FAILED.
            for (int i = 0; i < 3; i++) {
                BackupRecord b = backups.create(store, null, "alice");
                assertThat(b.status()).as(b.verification().message()).isEqualTo(BackupRecord.Status.COMPLETED);
            }
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(written.get()).as("the writer really ran during the backups").isGreaterThan(10);
    }

    @Test
    void anEncryptedBackupNeedsItsKeyAndTellsAWrongOne() throws Exception {
        BackupKey key = BackupKey.fromEnv("DG_KEY", Map.of("DG_KEY", "correct horse battery staple"));
        BackupRecord b = backups.create(store, key, "alice");
        assertThat(b.encrypted()).isTrue();
        assertThat(b.status()).isEqualTo(BackupRecord.Status.COMPLETED);
        // The key is never written down: not in the record beside the backup, not in the backup, not in an event.
        assertThat(Files.readString(backups.dir().resolve(b.id() + ".json"))).contains("DG_KEY")
                .doesNotContain("correct horse");
        assertThat(new String(Files.readAllBytes(backups.file(b.id())), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("correct horse").doesNotContain("api-secret");
        assertThat(store.events(null, 0, null, 1000)).allSatisfy(e -> assertThat(e.message() + e.data())
                .doesNotContain("correct horse"));

        BackupRecord wrong = backups.verify(b.id(), BackupKey.fromEnv("DG_KEY", Map.of("DG_KEY", "another key 1234")));
        assertThat(wrong.status()).isEqualTo(BackupRecord.Status.FAILED);
        assertThat(wrong.verification().message()).contains("wrong key");
        store.close();
        store = null;

        assertThatThrownBy(() -> backups.restore(b.id(), null, "bob"))
                .hasMessageContaining("is encrypted").hasMessageContaining("--key-env");
        assertThatThrownBy(() -> backups.restore(b.id(), BackupKey.fromEnv("K", Map.of("K", "another key 1234")), "x"))
                .hasMessageContaining("wrong key").hasMessageContaining("nothing was restored");
        assertThat(backups.verify(b.id(), key).status()).isEqualTo(BackupRecord.Status.COMPLETED);
    }

    @Test
    void aKeyVariableThatIsUnsetIsRefused() {
        assertThatThrownBy(() -> BackupKey.fromEnv("NOPE", Map.of()))
                .hasMessageContaining("NOPE is not set");
    }

    @Test
    void aFlippedByteOrATruncatedFileIsRefusedAndNothingChanges() throws Exception {
        BackupRecord b = backups.create(store, null, "alice");
        store.createRelease(release("web", "v3"));
        store.close();
        store = null;
        TableDigest before = new H2Engine(state.resolve("deployguard")).digestLive();
        Path file = backups.file(b.id());
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x01;
        Files.write(file, flipped);
        assertThatThrownBy(() -> backups.restore(b.id(), null, "bob"))
                .isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("SHA-256 trailer does not match").hasMessageContaining("nothing was restored");
        assertThat(backups.verify(b.id(), null).status()).isEqualTo(BackupRecord.Status.FAILED);

        Files.write(file, java.util.Arrays.copyOf(good, good.length - 10));
        assertThatThrownBy(() -> backups.restore(b.id(), null, "bob"))
                .hasMessageContaining("truncated or changed");

        assertThat(new H2Engine(state.resolve("deployguard")).digestLive()).isEqualTo(before);
        assertThat(Files.readString(state.resolve("api.token"))).isEqualTo("api-secret");
    }

    @Test
    void anUnknownBackupIsNotFound() {
        assertThatThrownBy(() -> backups.restore("20260101T000000Z-abcdef", null, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("no backup '20260101T000000Z-abcdef'");
        assertThatThrownBy(() -> backups.verify("../etc/passwd", null))
                .hasMessageContaining("no backup");
    }

    @Test
    void aRestoreRefusesToRunUnderALiveControlPlane() throws Exception {
        BackupRecord b = backups.create(store, null, "alice");
        Files.writeString(state.resolve("server.json"), "{\"url\":\"http://127.0.0.1:1\",\"pid\":"
                + ProcessHandle.current().pid() + "}");

        assertThatThrownBy(() -> backups.restore(b.id(), null, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY))
                .hasMessageContaining("is running on").hasMessageContaining("Nothing was restored");
    }

    @Test
    void aRestoreRefusesWhileAnotherProcessHoldsTheDatabaseEvenWithoutServerJson() {
        BackupRecord b = backups.create(store, null, "alice");
        // The store stays open here: it stands for a control plane whose server.json was lost.
        assertThatThrownBy(() -> backups.restore(b.id(), null, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY));
        assertThat(store.history("web")).hasSize(2);
    }

    @Test
    void retentionKeepsTheNewestAndNeverTheLastCompletedOne() {
        Instant now = Instant.now();
        var late = new Backups(backups.dir(), new StoreLocation(state, null, null, null),
                Clock.fixed(now.plus(Duration.ofDays(40)), java.time.ZoneOffset.UTC));
        BackupRecord first = backups.create(store, null, "alice");
        BackupRecord second = late.create(store, null, "alice");
        BackupRecord third = late.create(store, null, "alice");

        assertThat(late.prune(2, null)).containsExactly(first.id());
        assertThat(late.list()).extracting(BackupRecord::id).containsExactlyInAnyOrder(second.id(), third.id());
        // Everything is "too old" 100 days on; the newest completed backup is kept all the same.
        var much = new Backups(backups.dir(), new StoreLocation(state, null, null, null),
                Clock.fixed(now.plus(Duration.ofDays(100)), java.time.ZoneOffset.UTC));
        assertThat(much.prune(0, Duration.ofDays(30))).hasSize(1);
        assertThat(much.list()).hasSize(1);
    }
}
