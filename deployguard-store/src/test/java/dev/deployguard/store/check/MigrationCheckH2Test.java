package dev.deployguard.store.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migrations check on a database other than PostgreSQL (H2 file database, written by real Flyway): the history
 * is read the same way; there is no advisory lock to look for, so the evidence does not claim "none running". H2
 * has no transactional DDL, so Flyway records a failed migration with its default settings.
 */
class MigrationCheckH2Test {
    @TempDir
    Path dir;

    CheckResult check(String url) {
        return new MigrationCheck(url, "sa", "", null)
                .run(new CheckContext(null, "1.0", Duration.ofSeconds(5), Clock.systemUTC(), null));
    }

    @Test
    void failedMigrationOnH2Fails() {
        String url = "jdbc:h2:file:" + dir.resolve("app") + ";AUTO_SERVER=FALSE";
        var flyway = Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/checkmigrations/h2").load();
        assertThatThrownBy(flyway::migrate).hasMessageContaining("REGION");

        CheckResult r = check(url);

        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("failed migration in \"PUBLIC\".\"flyway_schema_history\": version 3"
                        + " 'add region index' (script V3__add_region_index.sql, installed on ")
                .endsWith(") has success = false; current schema version 2 ('add status')");
    }

    @Test
    void cleanHistoryOnH2PassesWithoutClaimingALockCheck() {
        String url = "jdbc:h2:file:" + dir.resolve("app");
        Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/checkmigrations/h2").target("2").load()
                .migrate();

        CheckResult r = check(url);

        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("Flyway history \"PUBLIC\".\"flyway_schema_history\": 2 migration(s)"
                + " applied, none failed; current schema version 2 ('add status')");
    }
}
