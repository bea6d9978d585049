package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReleaseMigrationsTest {
    @Test
    void classifiesByMarkerThenNameAndContractWhenUnsure() {
        assertThat(MigrationKind.classify("V2__add_status.sql", "-- deployguard:expand\nALTER TABLE t ADD c INT;"))
                .isEqualTo(MigrationKind.EXPAND);
        assertThat(MigrationKind.classify("V2__expand_add_status.sql", "-- deployguard:contract\nDROP TABLE x;"))
                .as("the marker wins over the name").isEqualTo(MigrationKind.CONTRACT);
        assertThat(MigrationKind.classify("V6__expand_add_y.sql", null)).isEqualTo(MigrationKind.EXPAND);
        assertThat(MigrationKind.classify("V7__contract_drop_x.sql", null)).isEqualTo(MigrationKind.CONTRACT);
        assertThat(MigrationKind.classify("V8__add_index.sql", "CREATE INDEX i ON t (c);"))
                .as("unsure is contract").isEqualTo(MigrationKind.CONTRACT);
    }

    @Test
    void scansAReleaseDirectoryAndKnowsItsHighestVersion() {
        ReleaseMigrations r = Releases.of("3.0");

        assertThat(r.migrations()).extracting(Migration::version).containsExactly("1", "2", "3");
        assertThat(r.migrations()).extracting(Migration::kind)
                .containsExactly(MigrationKind.CONTRACT, MigrationKind.EXPAND, MigrationKind.CONTRACT);
        assertThat(r.knows()).hasValueSatisfying(v -> assertThat(v.getVersion()).isEqualTo("3"));
        assertThat(r.byScript("V2__add_status.sql")).hasValueSatisfying(m ->
                assertThat(m.description()).isEqualTo("add status"));
    }

    @Test
    void aMissingDirectoryIsBadInputNotAnEmptyRelease() {
        assertThatThrownBy(() -> ReleaseMigrations.scan("9.9", Path.of("/nonexistent/9.9")))
                .isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("the migrations of release 9.9 are not at /nonexistent/9.9");
    }
}
