package dev.deployguard.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configured migration command: an argument list run without a shell, its output kept with secrets masked. */
class MigrationCommandTest {
    static final Secrets SECRETS = new Secrets(List.of("pw-Very-Secret"));

    MigrationCommand command(Duration timeout, String... args) {
        return new MigrationCommand(List.of(args), Map.of("SHOP_DB_PASSWORD", "pw-Very-Secret"), null, timeout,
                SECRETS);
    }

    @Test
    void placeholdersFillArgumentsWhichStayArgumentsAndTheOutputIsMasked() {
        MigrationRun run = command(Duration.ofSeconds(20), "/usr/bin/env")
                .run("expand", "2", List.of("2"));

        assertThat(run.succeeded()).isTrue();
        assertThat(run.applied()).containsExactly("2");
        assertThat(run.output()).contains("DEPLOYGUARD_MIGRATION_PHASE=expand", "DEPLOYGUARD_MIGRATION_TARGET=2",
                "SHOP_DB_PASSWORD=***").doesNotContain("pw-Very-Secret");

        // No shell: a ";" and "$(...)" are plain text in one argument.
        MigrationRun echo = command(Duration.ofSeconds(20), "/bin/echo", "-target=${target}; $(id) ${phase}")
                .run("contract", null, List.of("3"));
        assertThat(echo.output()).isEqualTo("-target=; $(id) contract");
    }

    @Test
    void aFailingMissingOrHangingCommandIsAFailedRunSayingWhy() {
        MigrationRun failed = command(Duration.ofSeconds(20), "/bin/false").run("expand", "2", List.of("2"));
        assertThat(failed.succeeded()).isFalse();
        assertThat(failed.applied()).isEmpty();
        assertThat(failed.output()).endsWith("/bin/false exited with 1");

        MigrationRun missing = command(Duration.ofSeconds(20), "/nonexistent/flyway").run("expand", "2", List.of());
        assertThat(missing.succeeded()).isFalse();
        assertThat(missing.output()).startsWith("cannot start /nonexistent/flyway: ");

        MigrationRun hung = command(Duration.ofSeconds(1), "/bin/sleep", "30").run("expand", "2", List.of());
        assertThat(hung.succeeded()).isFalse();
        assertThat(hung.output()).endsWith("stopped after 1 s");
    }
}
