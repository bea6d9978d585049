package dev.deployguard.store.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.Release;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backups of a real PostgreSQL 15 store through the real pg_dump and pg_restore on PATH. */
class PostgresBackupIT {
    static PostgresServer pg;

    @TempDir
    Path state;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private StoreLocation location(String db) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(pg.url(), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db);
            s.execute("CREATE DATABASE " + db);
        }
        return new StoreLocation(state, "jdbc:postgresql://127.0.0.1:" + pg.port + "/" + db, "postgres", null);
    }

    private static JdbcStore open(StoreLocation l) {
        return JdbcStore.open(l.url(), l.user(), null);
    }

    @Test
    void aPgDumpBackupVerifiesInAScratchDatabaseAndRestoresOverChanges() throws Exception {
        StoreLocation l = location("dg_roundtrip");
        var backups = new Backups(Backups.defaultDir(state), l, Clock.systemUTC());
        BackupRecord b;
        try (JdbcStore store = open(l)) {
            store.createRelease(BackupsH2Test.release("web", "v1"));
            store.append(Event.of(Instant.now(), "web", 1, "alice", EventKinds.DEPLOY_SUCCEEDED, "deployed"));
            b = backups.create(store, null, "alice");
            store.createRelease(BackupsH2Test.release("web", "v2"));
        }
        assertThat(b.engine()).isEqualTo("postgresql");
        assertThat(b.status()).as(b.verification().message()).isEqualTo(BackupRecord.Status.COMPLETED);
        assertThat(b.verification().message()).contains("scratch postgresql database");
        assertThat(scratchDatabases()).isZero();

        backups.restore(b.id(), null, "bob");

        try (JdbcStore store = open(l)) {
            assertThat(store.history("web")).extracting(Release::version).containsExactly("v1");
            assertThat(store.events(null, 0, null, 100)).extracting(Event::kind)
                    // backup.created was written after the snapshot it reports on, so the restore does not hold it.
                    .containsExactly(EventKinds.DEPLOY_SUCCEEDED, EventKinds.BACKUP_RESTORED);
        }
    }

    @Test
    void aGarbagePgDumpIsRefusedByVerifyAndRestoreAndChangesNothing() throws Exception {
        StoreLocation l = location("dg_garbage");
        var backups = new Backups(Backups.defaultDir(state), l, Clock.systemUTC());
        BackupRecord good;
        try (JdbcStore store = open(l)) {
            store.createRelease(BackupsH2Test.release("web", "v1"));
            good = backups.create(store, null, "alice");
        }
        // Same manifest, a well-framed file, but the dump inside is not a pg_dump archive.
        Path file = backups.file(good.id());
        byte[] body = BackupFile.read(Files.readAllBytes(file), null, "test");
        byte[] manifest;
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(body))) {
            zip.getNextEntry();
            manifest = zip.readAllBytes();
        }
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write(manifest);
            zip.putNextEntry(new ZipEntry("store.pgdump"));
            zip.write("this is not a pg_dump archive".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(file, BackupFile.write(out.toByteArray(), null));

        BackupRecord v = backups.verify(good.id(), null);
        assertThat(v.status()).isEqualTo(BackupRecord.Status.FAILED);
        assertThat(v.verification().message()).contains("pg_restore --list failed");
        assertThatThrownBy(() -> backups.restore(good.id(), null, "bob"))
                .hasMessageContaining("does not verify").hasMessageContaining("nothing was restored");
        try (JdbcStore store = open(l)) {
            assertThat(store.history("web")).hasSize(1);
        }
        assertThat(scratchDatabases()).isZero();
    }

    @Test
    void toolsAreFoundOnPath() {
        assertThat(PostgresEngine.tool("pg_dump")).isExecutable();
        assertThatThrownBy(() -> PostgresEngine.tool("pg_dump_that_does_not_exist"))
                .hasMessageContaining("was not found on PATH");
    }

    private static int scratchDatabases() throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(pg.url(), "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname LIKE 'deployguard_verify_%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

}
