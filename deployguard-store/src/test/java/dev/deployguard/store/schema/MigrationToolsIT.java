package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckStatus;
import dev.deployguard.store.PostgresServer;
import java.sql.DriverManager;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both tools on a real PostgreSQL 15 server: Liquibase's trap, lock row and failed row; Flyway's expand/contract
 * split run through its Java API.
 */
class MigrationToolsIT {
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
        String name = "tools" + DATABASES.incrementAndGet();
        try (var c = DriverManager.getConnection(pg.url(), "postgres", ""); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + pg.port + "/" + name;
    }

    @Test
    void liquibaseTrapIsRefusedAndItsLockAndFailedRowsAreSeen() throws Exception {
        String url = newDatabase();
        var migrator = new LiquibaseMigrator(url, "postgres", null, null);
        MigrationRun run = migrator.update(LiquibaseH2Test.changelog("3.0"), "contract", null, List.of());
        assertThat(run.succeeded()).as(run.output()).isTrue();
        var history = new LiquibaseHistory(url, "postgres", null, null, 5);

        SchemaVerdict v = new LiquibaseGuard(history, url, null).judge("2.0", LiquibaseH2Test.release("2.0"),
                List.of());

        assertThat(v).isInstanceOf(SchemaVerdict.Incompatible.class);
        assertThat(v.message()).contains("version 3::dev", "(contract, changelog.sql, installed by dev on ");
        var check = new LiquibaseCheck(history, url, new Secrets(List.of()));
        assertThat(check.run(LiquibaseH2Test.context()).status()).isEqualTo(CheckStatus.PASS);

        try (var c = DriverManager.getConnection(url, "postgres", ""); var s = c.createStatement()) {
            s.execute("UPDATE databasechangeloglock SET locked = TRUE, lockedby = 'deploy-job-12 (10.1.2.3)',"
                    + " lockgranted = now() WHERE id = 1");
        }
        assertThat(check.run(LiquibaseH2Test.context()).evidence()).startsWith("a migration is in progress:"
                + " Liquibase's lock in databasechangeloglock is held by deploy-job-12 (10.1.2.3)");

        try (var c = DriverManager.getConnection(url, "postgres", ""); var s = c.createStatement()) {
            s.execute("UPDATE databasechangeloglock SET locked = FALSE, lockedby = NULL WHERE id = 1");
            s.execute("UPDATE databasechangelog SET exectype = 'FAILED' WHERE id = '3'");
        }
        var failed = check.run(LiquibaseH2Test.context());
        assertThat(failed.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(failed.evidence()).startsWith("1 failed changeset(s) in databasechangelog").contains("3::dev");
    }

    @Test
    void flywayExpandRunsBeforeTrafficAndContractLater() throws Exception {
        String url = newDatabase();
        Releases.migrate(url, "postgres", "", "1.0");
        var migrator = new FlywayMigrator(url, "postgres", null, null);

        MigrationPlan plan = migrator.plan(Releases.of("3.0"), Releases.dir("3.0"));
        MigrationRun expand = migrator.migrate(Releases.dir("3.0"), "expand", plan.expandTarget());

        assertThat(plan.expand()).extracting(Migration::version).containsExactly("2");
        assertThat(plan.heldContract()).extracting(Migration::version).containsExactly("3");
        assertThat(expand.applied()).containsExactly("2");
        var guard = new SchemaGuard(url, "postgres", null, null, 5);
        // V2 is expand by the marker inside its script: the newer release's files (or record) say so.
        assertThat(guard.judge(Releases.of("1.0"), List.of(Releases.of("3.0"))))
                .isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);

        MigrationRun contract = migrator.migrate(Releases.dir("3.0"), "contract", Optional.empty());

        assertThat(contract.applied()).containsExactly("3");
        assertThat(guard.judge(Releases.of("2.0"), List.of(Releases.of("3.0"))))
                .isInstanceOf(SchemaVerdict.Incompatible.class);
    }
}
