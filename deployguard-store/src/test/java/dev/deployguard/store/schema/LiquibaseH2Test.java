package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.ReleaseSchema;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liquibase on an embedded H2 database, histories written by real Liquibase updates: the rollback trap by label,
 * an expand-only gap (label and marker comment), the expand/contract split, a failed changeset and a held lock.
 */
class LiquibaseH2Test {
    @TempDir
    Path tmp;

    String url() {
        return "jdbc:h2:file:" + tmp.resolve("app") + ";AUTO_SERVER=FALSE";
    }

    static Path changelog(String release) {
        try {
            return Path.of(LiquibaseH2Test.class.getResource("/db/liquibase/" + release + "/changelog.sql").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ReleaseSchema release(String version) {
        return LiquibaseChangelog.read(version, changelog(version));
    }

    LiquibaseMigrator migrator() {
        return new LiquibaseMigrator(url(), "sa", "s3cret", null);
    }

    void updateTo(String version) {
        MigrationRun run = migrator().update(changelog(version), "contract", null, List.of());
        assertThat(run.succeeded()).as(run.output()).isTrue();
    }

    LiquibaseGuard guard() {
        return new LiquibaseGuard(new LiquibaseHistory(url(), "sa", "s3cret", null, 5), url(), "s3cret");
    }

    @Test
    void changesetsAreClassifiedByLabelMarkerCommentOrContractWhenUnsure() {
        assertThat(release("4.0").migrations()).extracting(ReleaseSchema.Shipped::version, ReleaseSchema.Shipped::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1::dev", "contract"),
                        org.assertj.core.groups.Tuple.tuple("2::dev", "expand"),
                        org.assertj.core.groups.Tuple.tuple("3::dev", "contract"),
                        org.assertj.core.groups.Tuple.tuple("4::dev", "expand"));
        assertThat(release("4.0").knows()).isEqualTo("4::dev");
    }

    @Test
    void anOldReleaseOnANewerContractChangesetIsRefusedNamingIt() {
        updateTo("3.0");

        SchemaVerdict v = guard().judge("2.0", release("2.0"), List.of(release("3.0")));

        assertThat(v).isInstanceOf(SchemaVerdict.Incompatible.class);
        assertThat(v.message()).startsWith("release 2.0 knows schema version 2::dev but the database holds contract"
                + " migration(s) newer than that: version 3::dev '").contains("(contract, changelog.sql, installed by"
                + " dev on ").contains("roll forward");
        assertThat(guard().judge("3.0", release("3.0"), List.of())).isInstanceOf(SchemaVerdict.Compatible.class);
    }

    @Test
    void anExpandOnlyGapIsAllowedByLabelAndByMarkerComment() {
        updateTo("2.0");
        assertThat(guard().judge("1.0", release("1.0"), List.of())).isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);

        updateTo("4.0");
        // 4::dev is expand by its comment marker, read from the history row itself (no changelog at hand).
        SchemaVerdict v = guard().judge("3.0", release("3.0"), List.of());
        assertThat(v).isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);
        assertThat(v.message()).contains("version 4::dev");
    }

    @Test
    void expandRunsBeforeTheFirstContractChangesetTheRestIsHeld() throws Exception {
        updateTo("1.0");

        MigrationPlan plan = migrator().plan(release("4.0"));

        assertThat(plan.expand()).extracting(Migration::version).containsExactly("2::dev");
        assertThat(plan.held()).extracting(Migration::version).containsExactly("3::dev", "4::dev");
        MigrationRun run = migrator().update(changelog("4.0"), "expand", plan.expand().size(), List.of("2::dev"));
        assertThat(run.succeeded()).as(run.output()).isTrue();
        assertThat(run.output()).doesNotContain("s3cret");
        assertThat(applied()).containsExactly("1", "2");
        assertThat(guard().judge("1.0", release("1.0"), List.of())).isInstanceOf(SchemaVerdict.ExpandOnlyGap.class);
    }

    @Test
    void aFailedChangesetAndAHeldLockFailTheMigrationsCheck() throws Exception {
        MigrationRun run = migrator().update(changelog("failing"), "contract", null, List.of());
        assertThat(run.succeeded()).as(run.output()).isTrue();
        try (var c = DriverManager.getConnection(url(), "sa", "s3cret"); var s = c.createStatement()) {
            // Liquibase 4.33 on H2 does not write a row for a failOnError:false changeset that failed (it logs it);
            // ExecType.FAILED rows come from other versions and extensions. The row is Liquibase's own format.
            s.execute("INSERT INTO DATABASECHANGELOG (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, EXECTYPE,"
                    + " MD5SUM, DESCRIPTION) VALUES ('5', 'dev', 'changelog.sql', CURRENT_TIMESTAMP, 2, 'FAILED',"
                    + " '9:0', 'sql')");
        }
        LiquibaseCheck check = new LiquibaseCheck(new LiquibaseHistory(url(), "sa", "s3cret", null, 5), url(),
                new Secrets(List.of("s3cret")));

        CheckResult failed = check.run(context());

        assertThat(failed.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(failed.evidence()).startsWith("1 failed changeset(s) in databasechangelog at").contains("5::dev");

        try (var c = DriverManager.getConnection(url(), "sa", "s3cret"); var s = c.createStatement()) {
            // What a running update holds: Liquibase's lock row (LockServiceImpl writes exactly this).
            s.execute("UPDATE DATABASECHANGELOGLOCK SET LOCKED = TRUE, LOCKEDBY = 'ci-runner-7 (10.0.0.7)',"
                    + " LOCKGRANTED = CURRENT_TIMESTAMP WHERE ID = 1");
        }
        CheckResult locked = check.run(context());
        assertThat(locked.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(locked.evidence()).startsWith("a migration is in progress: Liquibase's lock in"
                + " databasechangeloglock is held by ci-runner-7 (10.0.0.7) since ");
    }

    @Test
    void aWrongPasswordCannotTellAndNeverPasses() {
        updateTo("1.0");
        var wrong = new LiquibaseHistory(url(), "sa", "wrong-one", null, 5);

        SchemaVerdict v = new LiquibaseGuard(wrong, url(), "wrong-one").judge("1.0", release("1.0"), List.of());
        CheckResult r = new LiquibaseCheck(wrong, url(), new Secrets(List.of("wrong-one"))).run(context());

        assertThat(v).isInstanceOf(SchemaVerdict.CannotTell.class);
        assertThat(v.message()).startsWith("cannot tell whether the schema is compatible: reading the Liquibase"
                + " history databasechangelog").doesNotContain("wrong-one");
        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThatThrownBy(() -> new LiquibaseMigrator(url(), "sa", "wrong-one", null).plan(release("2.0")))
                .isInstanceOf(DeployGuardException.class).hasMessageStartingWith("cannot tell which changesets are"
                        + " pending").hasMessageNotContaining("wrong-one");
    }

    @Test
    void aMissingChangelogIsACleanBadInput() {
        assertThatThrownBy(() -> LiquibaseChangelog.read("9.9", tmp.resolve("nope/changelog.xml")))
                .isInstanceOf(DeployGuardException.class)
                .hasMessageStartingWith("the Liquibase changelog of release 9.9 is not at ");
    }

    static CheckContext context() {
        return new CheckContext(null, "1.0", Duration.ofSeconds(5), Clock.systemUTC(), null);
    }

    java.util.List<String> applied() throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (var c = DriverManager.getConnection(url(), "sa", "s3cret"); var s = c.createStatement();
             var rs = s.executeQuery("SELECT ID FROM DATABASECHANGELOG WHERE EXECTYPE <> 'FAILED'"
                     + " ORDER BY ORDEREXECUTED")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
