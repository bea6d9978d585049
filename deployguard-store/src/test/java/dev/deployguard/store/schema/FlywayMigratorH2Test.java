package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The expand/contract split and runs through real Flyway on an embedded H2 database. */
class FlywayMigratorH2Test {
    @TempDir
    Path tmp;

    String url() {
        return "jdbc:h2:file:" + tmp.resolve("app") + ";AUTO_SERVER=FALSE";
    }

    FlywayMigrator migrator(String password) {
        return new FlywayMigrator(url(), "sa", password, null);
    }

    @Test
    void expandRunsUpToTheFirstContractMigrationAndHoldsTheRest() throws Exception {
        Releases.migrate(url(), "sa", "s3cret", "1.0");

        MigrationPlan plan = migrator("s3cret").plan(Releases.of("4.0"), Releases.dir("4.0"));

        // V4 is expand but comes after the contract V3: Flyway applies in order, so it waits too.
        assertThat(plan.expand()).extracting(Migration::version).containsExactly("2");
        assertThat(plan.held()).extracting(Migration::version).containsExactly("3", "4");
        assertThat(plan.heldContract()).extracting(Migration::version).containsExactly("3");

        MigrationRun run = migrator("s3cret").migrate(Releases.dir("4.0"), "expand", plan.expandTarget());

        assertThat(run.succeeded()).isTrue();
        assertThat(run.applied()).containsExactly("2");
        assertThat(run.output()).contains("migrated to version 2 - add status (V2__add_status.sql")
                .contains("1 migration(s) applied; schema now at version 2").doesNotContain("s3cret");
        assertThat(versions()).containsExactly("1", "2");
        // The old release still knows everything the database holds that could break it.
        assertThat(new SchemaGuard(url(), "sa", "s3cret", null, 5).judge(Releases.of("1.0"),
                List.of(Releases.of("4.0")))).isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);

        MigrationRun contract = migrator("s3cret").migrate(Releases.dir("4.0"), "contract", Optional.empty());

        assertThat(contract.applied()).containsExactly("3", "4");
        assertThat(versions()).containsExactly("1", "2", "3", "4");
        assertThat(migrator("s3cret").plan(Releases.of("4.0"), Releases.dir("4.0")).expand()).isEmpty();
    }

    @Test
    void aFailingMigrationIsAFailedRunNamingFlywaysReason() throws Exception {
        Releases.migrate(url(), "sa", "", "1.0");
        try (var c = DriverManager.getConnection(url(), "sa", ""); var s = c.createStatement()) {
            // Release 2.0's V2 adds this column: with it already there, the migration fails.
            s.execute("ALTER TABLE orders ADD COLUMN status VARCHAR(20)");
        }

        MigrationRun run = migrator("").migrate(Releases.dir("2.0"), "expand", Optional.of("2"));

        assertThat(run.succeeded()).isFalse();
        assertThat(run.applied()).isEmpty();
        assertThat(run.output()).startsWith("Flyway failed: ").containsIgnoringCase("status");
    }

    @Test
    void aWrongPasswordCannotTellAndNamesNoSecret() throws Exception {
        Releases.migrate(url(), "sa", "right-one", "1.0");

        assertThatThrownBy(() -> migrator("wrong-one").plan(Releases.of("2.0"), Releases.dir("2.0")))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
                    assertThat(e.getMessage()).startsWith("cannot tell which migrations are pending: Flyway could"
                            + " not read flyway_schema_history at " + url() + " as user 'sa': ")
                            .contains("nothing was migrated").doesNotContain("wrong-one");
                });
        assertThat(versions("right-one")).containsExactly("1");
    }

    List<String> versions() throws Exception {
        return versions("s3cret");
    }

    List<String> versions(String password) throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = DriverManager.getConnection(url(), "sa", password); var s = c.createStatement();
             var rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\""
                     + " AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
