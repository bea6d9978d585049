package dev.deployguard.store.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.store.PostgresServer;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The migrations check against a real PostgreSQL server with histories written by real Flyway. */
class MigrationCheckIT {
    static final AtomicInteger DATABASES = new AtomicInteger();
    static PostgresServer pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    /** A fresh database per test, so histories and locks never meet. */
    static String newDatabase() throws Exception {
        String name = "app" + DATABASES.incrementAndGet();
        try (var c = DriverManager.getConnection(pg.url(), "postgres", ""); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + pg.port + "/" + name;
    }

    static CheckResult check(String url, HistoryTable table, Duration timeout) {
        return new MigrationCheck(url, "postgres", null, table)
                .run(new CheckContext(null, "1.0", timeout, Clock.systemUTC(), null));
    }

    static CheckResult check(String url) {
        return check(url, null, Duration.ofSeconds(5));
    }

    @Test
    void cleanHistoryPassesWithTheCurrentVersion() throws Exception {
        String url = newDatabase();
        Flyway.configure().dataSource(url, "postgres", "").locations("classpath:db/checkmigrations/ok").load()
                .migrate();

        CheckResult r = check(url);

        assertThat(r.name()).isEqualTo("migrations");
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("Flyway history \"public\".\"flyway_schema_history\": 2 migration(s)"
                + " applied, none failed, none running; current schema version 2 ('add status')");
        assertThat(r.data()).containsEntry("currentVersion", "2").containsEntry("applied", 2);
    }

    @Test
    void failedMigrationFailsNamingVersionScriptAndTime() throws Exception {
        String url = newDatabase();
        // Flyway's transactional PostgreSQL lock would wrap the non-transactional migration in a transaction;
        // teams that write CONCURRENTLY migrations turn it off, as Flyway's documentation says.
        var config = Flyway.configure().dataSource(url, "postgres", "")
                .locations("classpath:db/checkmigrations/failing");
        config.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        assertThatThrownBy(config.load()::migrate).hasMessageContaining("column \"region\" does not exist");

        CheckResult r = check(url);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).matches("failed migration in \"public\"\\.\"flyway_schema_history\": version 3"
                + " 'index orders by region' \\(script V3__index_orders_by_region\\.sql, installed on"
                + " \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d[.\\d]*\\) has success = false; current schema"
                + " version 2 \\('add status'\\)");
        assertThat(r.remedy()).contains("flyway repair").contains("roll the database forward");
        assertThat(r.data()).containsEntry("failed", List.of("3")).containsEntry("currentVersion", "2");
    }

    @Test
    void noHistoryTableWarns() throws Exception {
        String url = newDatabase();

        CheckResult r = check(url);

        assertThat(r.status()).isEqualTo(CheckStatus.WARN);
        assertThat(r.evidence()).isEqualTo("no Flyway history table \"public\".\"flyway_schema_history\" in " + url
                + ": no migration applied yet, or the database is not managed by Flyway");
        assertThat(r.remedy()).contains("checks.skip: [migrations]");
    }

    @Test
    void lockHeldTheWayFlywayTakesItFails() throws Exception {
        String url = newDatabase();
        Flyway.configure().dataSource(url, "postgres", "").locations("classpath:db/checkmigrations/ok").load()
                .migrate();
        // Flyway's key: "Flyway" in ASCII plus the hash of the quoted history table (PostgreSQLAdvisoryLockTemplate).
        long key = 0x466C79776179L + "\"public\".\"flyway_schema_history\"".hashCode();
        int pid;
        try (Connection holder = DriverManager.getConnection(url, "postgres", "");
             var s = holder.createStatement()) {
            var rs = s.executeQuery("SELECT pg_backend_pid(), pg_try_advisory_lock(" + key + ")");
            rs.next();
            pid = rs.getInt(1);
            assertThat(rs.getBoolean(2)).isTrue();

            CheckResult r = check(url);

            assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(r.evidence()).startsWith("a migration is in progress (Flyway lock held by pid " + pid + ", ")
                    .contains("application 'PostgreSQL JDBC Driver'")
                    .endsWith(") on \"public\".\"flyway_schema_history\" in " + url);
            assertThat(r.remedy()).contains("pg_terminate_backend(" + pid + ")");
        }
        // Closing the connection returns before the server's backend has ended (and released the lock with it):
        // wait for the session to be gone, then the check must see no lock.
        awaitSessionGone(url, pid);
        assertThat(check(url).status()).as("lock released with the session").isEqualTo(CheckStatus.PASS);
    }

    private static void awaitSessionGone(String url, int pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            while (true) {
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("session %d still there after 60 s", pid).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    /** A Java migration that parks inside Flyway's lock until the test lets it go. */
    public static final class V3__Backfill_totals extends BaseJavaMigration {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void migrate(Context context) throws Exception {
            started.countDown();
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the migration");
            }
            try (var s = context.getConnection().createStatement()) {
                s.execute("UPDATE orders SET total_cents = total_cents");
            }
        }
    }

    @Test
    void realFlywayMigrationInProgressFailsThenPassesWhenDone() throws Exception {
        String url = newDatabase();
        try (var c = DriverManager.getConnection(url, "postgres", ""); var s = c.createStatement()) {
            s.execute("CREATE SCHEMA shop");
        }
        var first = Flyway.configure().dataSource(url, "postgres", "").schemas("shop").table("schema_history")
                .locations("classpath:db/checkmigrations/ok").load();
        first.migrate();
        var slow = new V3__Backfill_totals();
        var flyway = Flyway.configure().dataSource(url, "postgres", "").schemas("shop").table("schema_history")
                .locations("classpath:db/checkmigrations/ok").javaMigrations(slow).load();
        var migrate = CompletableFuture.supplyAsync(flyway::migrate);
        try {
            assertThat(slow.started.await(30, TimeUnit.SECONDS)).as("Flyway reached the Java migration").isTrue();

            CheckResult running = check(url, HistoryTable.parse("shop.schema_history"), Duration.ofSeconds(5));

            assertThat(running.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(running.evidence()).startsWith("a migration is in progress (Flyway lock held by pid ")
                    .contains(") on \"shop\".\"schema_history\" in " + url);
        } finally {
            slow.release.countDown();
        }
        assertThat(migrate.get(30, TimeUnit.SECONDS).migrationsExecuted).isEqualTo(1);

        CheckResult done = check(url, HistoryTable.parse("shop.schema_history"), Duration.ofSeconds(5));

        assertThat(done.status()).isEqualTo(CheckStatus.PASS);
        assertThat(done.evidence()).isEqualTo("Flyway history \"shop\".\"schema_history\": 3 migration(s) applied,"
                + " none failed, none running; current schema version 3 ('Backfill totals')");
    }

    @Test
    void unreachableDatabaseIsCannotTell() throws Exception {
        int closed;
        try (var s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/shop";

        CheckResult r = check(url);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).startsWith("reading the Flyway history at " + url + " as user 'postgres' failed:"
                + " Connection to 127.0.0.1:" + closed + " refused");
        assertThat(r.remedy()).contains("reachable");
    }

    @Test
    void silentServerIsCannotTellAfterTheTimeout() throws Exception {
        try (var silent = new ServerSocket(0)) {
            var accepted = CompletableFuture.runAsync(() -> {
                try (var client = silent.accept()) {
                    client.getInputStream().readAllBytes(); // never answers; returns when the client gives up
                } catch (Exception e) {
                    // the client gave up and closed: expected
                }
            });
            String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/shop";

            // The evidence says the check's own 1 s bound ended it; the outer bound only turns a hang into a failure.
            CheckResult r = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> check(url, null,
                    Duration.ofSeconds(1)));

            assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
            assertThat(r.evidence()).startsWith("reading the Flyway history at " + url
                    + " as user 'postgres' timed out after 1 s: ");
            accepted.cancel(true);
        }
    }

    @Test
    void passwordNeverAppearsInTheResult() throws Exception {
        String url = newDatabase();
        String secret = "pw-Xq9-never-shown";

        CheckResult r = new MigrationCheck(url + "?password=" + secret, "ghost", secret, null)
                .run(new CheckContext(null, "1.0", Duration.ofSeconds(5), Clock.systemUTC(), null));

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).contains("role \"ghost\" does not exist").contains("password=***")
                .doesNotContain(secret);
        assertThat(r.toString()).doesNotContain(secret);
    }
}
