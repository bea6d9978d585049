package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollback trap on an embedded H2 database with histories written by real Flyway. */
class SchemaGuardH2Test {
    @TempDir
    Path tmp;

    String url() {
        return "jdbc:h2:file:" + tmp.resolve("app") + ";AUTO_SERVER=FALSE";
    }

    SchemaGuard guard(String password) {
        return new SchemaGuard(url(), "sa", password, null, 5);
    }

    @Test
    void oldReleaseOnANewerContractMigrationIsIncompatibleNamingIt() {
        Releases.migrate(url(), "sa", "secret", "3.0");

        SchemaVerdict v = guard("secret").judge(Releases.of("2.0"), List.of(Releases.of("3.0")));

        assertThat(v).isInstanceOf(SchemaVerdict.Incompatible.class);
        assertThat(v.allowed()).isFalse();
        var contract = ((SchemaVerdict.Incompatible) v).contract();
        assertThat(contract).singleElement().satisfies(m -> {
            assertThat(m.version()).isEqualTo("3");
            assertThat(m.description()).isEqualTo("contract drop legacy status");
            assertThat(m.installedBy()).isEqualToIgnoringCase("sa");
            assertThat(m.installedOn()).isNotNull();
        });
        assertThat(v.message()).startsWith("release 2.0 knows schema version 2 but the database holds contract"
                        + " migration(s) newer than that: version 3 'contract drop legacy status' (contract,"
                        + " V3__contract_drop_legacy_status.sql, installed by SA on ")
                .contains("roll forward").contains("deploy a release that knows schema version 3")
                .contains("restore the database").contains("--force-schema");
    }

    @Test
    void expandOnlyGapIsAllowedAndSaidSo() {
        Releases.migrate(url(), "sa", "secret", "2.0");

        SchemaVerdict v = guard("secret").judge(Releases.of("1.0"), List.of(Releases.of("2.0")));

        assertThat(v).isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);
        assertThat(v.allowed()).isTrue();
        assertThat(v.message()).startsWith("schema: the database holds 1 migration(s) newer than release 1.0 knows"
                + " (1), all expand, so it keeps working: version 2 'add status' (expand, V2__add_status.sql,");
    }

    @Test
    void withoutTheNewerReleaseAtHandAnUnnamedMigrationCountsAsContract() {
        Releases.migrate(url(), "sa", "secret", "2.0");

        SchemaVerdict v = guard("secret").judge(Releases.of("1.0"), List.of());

        assertThat(v).isInstanceOf(SchemaVerdict.Incompatible.class);
    }

    @Test
    void sameSchemaIsCompatible() {
        Releases.migrate(url(), "sa", "secret", "2.0");

        SchemaVerdict v = guard("secret").judge(Releases.of("2.0"), List.of());

        assertThat(v).isEqualTo(new SchemaVerdict.Compatible("2.0", "2"));
        assertThat(v.allowed()).isTrue();
    }

    @Test
    void wrongPasswordCannotTellAndNeverEchoesThePassword() throws Exception {
        Releases.migrate(url(), "sa", "secret", "3.0");

        SchemaVerdict v = guard("wrong-pw-123").judge(Releases.of("2.0"), List.of());

        assertThat(v).isInstanceOf(SchemaVerdict.CannotTell.class);
        assertThat(v.allowed()).isFalse();
        assertThat(v.message()).startsWith("cannot tell whether the schema is compatible: reading the Flyway history"
                + " flyway_schema_history at " + url() + " as user 'sa' failed: ")
                .contains("Wrong user name or password").doesNotContain("wrong-pw-123")
                .endsWith("nothing was changed");
    }

    @Test
    void noHistoryTableCannotTell() throws Exception {
        try (var c = DriverManager.getConnection(url(), "sa", "secret")) {
            assertThat(c.isValid(1)).isTrue();
        }

        SchemaVerdict v = guard("secret").judge(Releases.of("2.0"), List.of());

        assertThat(v).isInstanceOf(SchemaVerdict.CannotTell.class);
        assertThat(v.message()).contains("Table \"flyway_schema_history\" not found");
        assertThat(Files.exists(tmp.resolve("app.mv.db"))).isTrue();
    }
}
