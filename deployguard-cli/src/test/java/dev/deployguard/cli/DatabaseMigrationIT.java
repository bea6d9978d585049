package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.store.PostgresServer;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, through the CLI and a real control plane: the demo app given a real PostgreSQL 15 database, its
 * releases' Flyway migrations run by DeployGuard (expand before traffic, contract on purpose later), and the rollback
 * past a contract migration refused with the migration named — then a roll forward.
 */
class DatabaseMigrationIT {
    static final String PASSWORD = "pw-Migr4te-only";
    static PostgresServer pg;

    @TempDir
    Path dir;
    Harness h;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
        try (var c = DriverManager.getConnection(pg.url(), "postgres", ""); var s = c.createStatement()) {
            s.execute("CREATE ROLE shop LOGIN PASSWORD '" + PASSWORD + "'");
            s.execute("CREATE DATABASE shop OWNER shop");
            // The server trusts every local login; make this role prove its password, so a wrong one is refused.
            String hba;
            try (var rs = s.executeQuery("SHOW hba_file")) {
                rs.next();
                hba = rs.getString(1);
            }
            Files.writeString(Path.of(hba), "host all shop 127.0.0.1/32 scram-sha-256\n"
                    + Files.readString(Path.of(hba)));
            s.execute("SELECT pg_reload_conf()");
        }
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    /** Every command and its output, for docs/migrations.md (target/migrations-transcript.txt). */
    final StringBuilder transcript = new StringBuilder();

    Harness.Run ok(String... args) {
        return note(h.ok(args), args);
    }

    Harness.Run cli(String... args) {
        return note(h.cli(args), args);
    }

    Harness.Run note(Harness.Run r, String... args) {
        if (!List.of(args).contains("json")) {
            transcript.append("$ deployguard ").append(String.join(" ", args)).append("   # exit ").append(r.exit())
                    .append('\n').append(r.out()).append(r.err()).append('\n');
        }
        return r;
    }

    @AfterEach
    void saveTranscript() throws Exception {
        Files.writeString(Path.of("target", "migrations-transcript.txt"), transcript.toString());
    }

    String shopUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pg.port + "/shop";
    }

    /** v1 creates orders; v2 adds status (expand); v3 drops legacy_status (contract, by name); v4 adds regions. */
    void releases() throws Exception {
        String v1 = "-- deployguard:expand (a new table)\n"
                + "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n";
        String v2 = "-- deployguard:expand (a nullable column: v1 keeps working)\n"
                + "ALTER TABLE orders ADD COLUMN status VARCHAR(20);\n";
        String v3 = "ALTER TABLE orders DROP COLUMN legacy_status;\n";
        String v4 = "CREATE TABLE regions (code VARCHAR(8) PRIMARY KEY);\n";
        write("v1", "V1__create_orders.sql", v1);
        for (String v : List.of("v2", "v3", "v4")) {
            write(v, "V1__create_orders.sql", v1);
            write(v, "V2__add_status.sql", v2);
        }
        for (String v : List.of("v3", "v4")) {
            write(v, "V3__contract_drop_legacy_status.sql", v3);
        }
        write("v4", "V4__expand_add_regions.sql", v4);
    }

    void write(String version, String name, String sql) throws Exception {
        Files.createDirectories(dir.resolve("releases/" + version));
        Files.writeString(dir.resolve("releases/" + version + "/" + name), sql);
    }

    void spec(String database) throws Exception {
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, "database:\n" + database.indent(2));
    }

    String goodDatabase() {
        return "url: " + shopUrl() + "\nuserEnv: SHOP_DB_USER\npasswordEnv: SHOP_DB_PASSWORD\n"
                + "migrations: releases/${version}\nmigrate: expand\n";
    }

    String get(String path) throws Exception {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.listen + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body().strip();
    }

    List<String> columns() throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = DriverManager.getConnection(shopUrl(), "shop", PASSWORD); var s = c.createStatement();
             var rs = s.executeQuery("SELECT column_name FROM information_schema.columns"
                     + " WHERE table_name = 'orders' ORDER BY column_name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void expandRollsBackContractIsRefusedNamingItThenRollForward() throws Exception {
        releases();
        h = new Harness(dir, "", 1);
        // The demo app reads the columns each version needs (as postgres, trusted: its credentials are not ours).
        h.appEnv.put("DEMO_DB_URL", shopUrl());
        h.appEnv.put("DEMO_DB_USER", "postgres");
        h.appEnv.put("DEMO_DB_COLUMNS", "v1:orders.legacy_status;v2:orders.legacy_status,orders.status;"
                + "v3:orders.status;v4:orders.status");
        spec(goodDatabase());
        h.serverEnv.put("SHOP_DB_USER", "shop");
        h.serverEnv.put("SHOP_DB_PASSWORD", PASSWORD);
        h.serverEnv.put("WRONG_DB_PASSWORD", "not-" + PASSWORD);
        h.startServer();

        Harness.Run v1 = ok("deploy", "demo", "--version", "v1");
        assertThat(v1.out()).contains("expand migrations of release v1 ran before traffic moved:"
                + " V1 'create orders' (expand)", "migrated to version 1 - create orders");
        assertThat(get("/orders")).isEqualTo("0 orders (read orders.legacy_status)");

        Harness.Run v2 = ok("deploy", "demo", "--version", "v2");
        assertThat(v2.out()).contains("V2 'add status' (expand)", "schema now at version 2");
        JsonNode history = h.ok("history", "demo", "-o", "json").json();
        JsonNode schema = history.path("releases").get(1).path("schema");
        assertThat(schema.path("knows").asText()).isEqualTo("2");
        assertThat(schema.path("migrations").findValuesAsText("kind")).containsExactly("expand", "expand");

        // Expand-only gap: v1 keeps working on schema 2, and the output says why it was allowed.
        Harness.Run back = ok("rollback", "demo");
        assertThat(back.out()).contains("rolled back demo to v1", "schema: the database holds 1 migration(s) newer"
                + " than release v1 knows (1), all expand, so it keeps working: version 2 'add status'");
        assertThat(get("/")).isEqualTo("hello from demo v1");
        assertThat(get("/orders")).isEqualTo("0 orders (read orders.legacy_status)");

        ok("deploy", "demo", "--version", "v2");
        Harness.Run v3 = ok("deploy", "demo", "--version", "v3");
        assertThat(v3.out()).contains("expand migrations of release v3: none pending", "held until the rollout and"
                + " its bake have ended: V3 'contract drop legacy status' (contract); run them then with:"
                + " deployguard migrate demo --contract");
        assertThat(columns()).contains("legacy_status");

        Harness.Run contract = ok("migrate", "demo", "--contract");
        assertThat(contract.out()).contains("migrated demo (contract phase of release v3): 1 migration(s) applied",
                "migrated to version 3 - contract drop legacy status", "releases that do not know schema version 3"
                        + " can no longer be rolled back to without --force-schema");
        assertThat(columns()).containsExactly("id", "status");
        JsonNode ran = h.ok("events", "demo", "-o", "json").json();
        assertThat(ran.toString()).contains("migration.ran", "migration.held").doesNotContain(PASSWORD);

        int revisions = h.ok("history", "demo", "-o", "json").json().path("releases").size();
        Harness.Run refused = cli("rollback", "demo");
        assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
        assertThat(refused.err()).contains("rollback of demo to revision 4 (v2) refused, nothing was changed: release"
                + " v2 knows schema version 2 but the database holds contract migration(s) newer than that: version 3"
                + " 'contract drop legacy status' (contract, V3__contract_drop_legacy_status.sql, installed by shop"
                + " on ", "roll forward", "restore the database", "--force-schema");
        assertThat(h.ok("history", "demo", "-o", "json").json().path("releases").size()).isEqualTo(revisions);
        assertThat(get("/")).isEqualTo("hello from demo v3");

        badInputChangesNothing(revisions);

        spec(goodDatabase());
        Harness.Run forward = ok("deploy", "demo", "--version", "v4");
        assertThat(forward.out()).contains("V4 'expand add regions' (expand)");
        assertThat(get("/")).isEqualTo("hello from demo v4");
        assertThat(get("/orders")).isEqualTo("0 orders (read orders.status)");
        assertThat(ok("history", "demo").out()).contains("v4");
    }

    /** Table-driven: each broken database section makes the rollback refuse with a clear message; nothing moves. */
    void badInputChangesNothing(int revisions) throws Exception {
        int closed;
        try (var s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        record Case(String name, String database, int exit, String message) {
        }
        String rest = "\nuserEnv: SHOP_DB_USER\npasswordEnv: SHOP_DB_PASSWORD\nmigrations: releases/${version}\n";
        List<Case> cases = List.of(
                new Case("unreachable database", "url: jdbc:postgresql://127.0.0.1:" + closed + "/shop" + rest, 5,
                        "cannot tell whether the schema is compatible: reading the Flyway history"
                                + " flyway_schema_history at jdbc:postgresql://127.0.0.1:" + closed + "/shop as user"
                                + " 'shop' failed: Connection to 127.0.0.1:" + closed + " refused"),
                new Case("unreadable history table", "url: " + shopUrl() + rest + "table: no_such_history\n", 5,
                        "cannot tell whether the schema is compatible: reading the Flyway history no_such_history"),
                new Case("unknown tool", "url: " + shopUrl() + rest + "tool: sqitch\n", 2,
                        "database.tool: unknown migration tool 'sqitch'; expected flyway or liquibase"),
                new Case("wrong password", "url: " + shopUrl() + "\nuserEnv: SHOP_DB_USER\n"
                        + "passwordEnv: WRONG_DB_PASSWORD\nmigrations: releases/${version}\n", 5,
                        "password authentication failed for user \"shop\""));
        for (Case c : cases) {
            spec(c.database());
            Harness.Run r = cli("rollback", "demo");
            assertThat(r.exit()).as(c.name() + ": " + r.err()).isEqualTo(c.exit());
            assertThat(r.err()).as(c.name()).contains(c.message()).doesNotContain(PASSWORD)
                    .doesNotContain("Exception");
            assertThat(h.ok("history", "demo", "-o", "json").json().path("releases").size()).as(c.name())
                    .isEqualTo(revisions);
            assertThat(get("/")).as(c.name()).isEqualTo("hello from demo v3");
            assertThat(columns()).as(c.name()).containsExactly("id", "status");
        }
        // The deploy-time check never passes what it cannot read.
        spec(cases.get(0).database());
        JsonNode check = cli("check", "demo", "--version", "v3", "-o", "json").json();
        JsonNode schemaCheck = null;
        for (JsonNode result : check.path("results")) {
            if (result.path("name").asText().equals("schema")) {
                schemaCheck = result;
            }
        }
        assertThat(schemaCheck).as(check.toString()).isNotNull();
        assertThat(schemaCheck.path("status").asText()).isEqualTo("ERROR");
        assertThat(schemaCheck.toString()).contains("cannot tell");
        Harness.Run migrate = cli("migrate", "demo", "--contract");
        assertThat(migrate.exit()).isEqualTo(5);
        assertThat(migrate.err()).contains("cannot tell which migrations are pending").doesNotContain(PASSWORD);
    }
}
