package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.spec.DatabaseSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code schema} check on an H2 database migrated by real Flyway. */
class SchemaCheckTest {
    @TempDir
    Path tmp;

    CheckResult check(String version) {
        return check(version, SchemaCheck.Canary.NONE);
    }

    CheckResult check(String version, SchemaCheck.Canary canary) {
        String url = "jdbc:h2:file:" + tmp.resolve("app");
        var db = new DatabaseSpec(url, null, null, DatabaseSpec.Tool.FLYWAY,
                Releases.dir("1.0").resolveSibling("${version}").toString(), DatabaseSpec.DEFAULT_TABLE);
        return new SchemaCheck(SchemaJudge.of(db, "sa", "", 5, false), canary)
                .run(new CheckContext(null, version, Duration.ofSeconds(5), Clock.systemUTC(), null));
    }

    @Test
    void deployingAReleaseOlderThanAContractMigrationFails() {
        Releases.migrate("jdbc:h2:file:" + tmp.resolve("app"), "sa", "", "3.0");

        CheckResult r = check("2.0");

        assertThat(r.name()).isEqualTo("schema");
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("release 2.0 knows schema version 2 but the database holds contract");
        assertThat(r.remedy()).isEqualTo("deploy a release that knows schema version 3, or restore the database first");
    }

    @Test
    void theReleaseThatShippedTheSchemaPasses() {
        Releases.migrate("jdbc:h2:file:" + tmp.resolve("app"), "sa", "", "3.0");

        assertThat(check("3.0").status()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void aReleaseWithoutAMigrationsDirectoryIsAnErrorNotAPass() {
        Releases.migrate("jdbc:h2:file:" + tmp.resolve("app"), "sa", "", "3.0");

        CheckResult r = check("9.9");

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).startsWith("the migrations of release 9.9 are not at");
    }

    @Test
    void aCanaryThatWouldApplyItsOwnContractMigrationFails() {
        Releases.migrate("jdbc:h2:file:" + tmp.resolve("app"), "sa", "", "2.0");

        CheckResult r = check("3.0", SchemaCheck.Canary.APP);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("release 3.0 ships contract migration(s) not applied yet: V3 'contract"
                + " drop legacy status' (contract); the app migrates itself at start (database.migrate: none), so its"
                + " canary would apply them while the stable release still serves");
        assertThat(r.remedy()).startsWith("set database.migrate: expand");
    }

    @Test
    void contractMigrationsDeployGuardHoldsPassAndAreNamed() {
        Releases.migrate("jdbc:h2:file:" + tmp.resolve("app"), "sa", "", "2.0");

        CheckResult r = check("3.0", SchemaCheck.Canary.HELD);

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).endsWith("; pending contract migration(s) V3 'contract drop legacy status'"
                + " (contract) are held until the rollout and its bake have ended");
        assertThat(check("2.0", SchemaCheck.Canary.APP).evidence()).endsWith("; no contract migration pending");
    }
}
