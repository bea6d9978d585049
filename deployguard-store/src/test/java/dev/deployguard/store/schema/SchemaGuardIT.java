package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.store.PostgresServer;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rollback trap on a real PostgreSQL 15 server with histories written by real Flyway. */
class SchemaGuardIT {
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

    static String newDatabase() throws Exception {
        String name = "guard" + DATABASES.incrementAndGet();
        try (var c = DriverManager.getConnection(pg.url(), "postgres", ""); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + pg.port + "/" + name;
    }

    @Test
    void theTrapFlywayDoesNotStopIsRefused() throws Exception {
        String url = newDatabase();
        Releases.migrate(url, "postgres", "", "3.0");
        // Flyway itself lets release 2.0 start on this schema: it ignores the newer migration it does not know.
        org.flywaydb.core.Flyway.configure().dataSource(url, "postgres", "")
                .locations("filesystem:" + Releases.dir("2.0")).load().validate();

        SchemaVerdict v = new SchemaGuard(url, "postgres", null, null, 5)
                .judge(Releases.of("2.0"), List.of(Releases.of("3.0")));

        assertThat(v).isInstanceOf(SchemaVerdict.Incompatible.class);
        assertThat(v.message()).startsWith("release 2.0 knows schema version 2 but the database holds contract"
                + " migration(s) newer than that: version 3 'contract drop legacy status' (contract,"
                + " V3__contract_drop_legacy_status.sql, installed by postgres on ");
    }

    @Test
    void expandOnlyGapIsAllowed() throws Exception {
        String url = newDatabase();
        Releases.migrate(url, "postgres", "", "2.0");

        SchemaVerdict v = new SchemaGuard(url, "postgres", null, "public.flyway_schema_history", 5)
                .judge(Releases.of("1.0"), List.of(Releases.of("2.0")));

        assertThat(v).isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);
        assertThat(v.allowed()).isTrue();
    }

    @Test
    void unreachableDatabaseCannotTellNeverAllows() throws Exception {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/app";

        SchemaVerdict v = new SchemaGuard(url, "app", "s3cret-pw", null, 2).judge(Releases.of("1.0"), List.of());

        assertThat(v).isInstanceOf(SchemaVerdict.CannotTell.class);
        assertThat(v.allowed()).isFalse();
        assertThat(v.message()).startsWith("cannot tell whether the schema is compatible: reading the Flyway history"
                + " flyway_schema_history at " + url + " as user 'app' failed: ").contains("refused")
                .doesNotContain("s3cret-pw");
    }
}
