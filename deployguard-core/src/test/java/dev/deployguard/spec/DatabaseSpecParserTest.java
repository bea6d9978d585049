package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatabaseSpecParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final List<String> problems = new ArrayList<>();

    private DatabaseSpec parse(String yaml) {
        try {
            return DatabaseSpecParser.parse(YAML.readTree(yaml), "apps.web.database", Path.of("/srv"), problems);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsEveryFieldAndResolvesTheDirectoryAgainstTheSpec() {
        DatabaseSpec d = parse("""
                url: jdbc:postgresql://127.0.0.1:5432/shop
                userEnv: SHOP_DB_USER
                passwordEnv: SHOP_DB_PASSWORD
                tool: flyway
                migrations: releases/${version}/db/migration
                table: app.schema_history
                """);

        assertThat(problems).isEmpty();
        assertThat(d).isEqualTo(new DatabaseSpec("jdbc:postgresql://127.0.0.1:5432/shop", "SHOP_DB_USER",
                "SHOP_DB_PASSWORD", DatabaseSpec.Tool.FLYWAY, "/srv/releases/${version}/db/migration",
                "app.schema_history"));
        assertThat(d.migrationsOf("2.0")).isEqualTo("/srv/releases/2.0/db/migration");
    }

    @Test
    void flywayAndTheDefaultTableAreTheDefaults() {
        DatabaseSpec d = parse("{url: 'jdbc:h2:/srv/db', migrations: '/opt/app/${version}/sql'}");

        assertThat(problems).isEmpty();
        assertThat(d.tool()).isEqualTo(DatabaseSpec.Tool.FLYWAY);
        assertThat(d.table()).isEqualTo("flyway_schema_history");
        assertThat(d.migrations()).isEqualTo("/opt/app/${version}/sql");
    }

    @Test
    void mistakesAreNamedWithTheirPath() {
        assertThat(parse("""
                url: jdbc:postgresql://u:hunter2@db/shop
                passwordEnv: 'not-an-env'
                tool: alembic
                """)).isNull();

        assertThat(problems).containsExactly(
                "apps.web.database.url: holds a password; remove it and name the environment variable that holds it"
                        + " in apps.web.database.passwordEnv",
                "apps.web.database.passwordEnv: expected the name of an environment variable (letters, digits, '_'),"
                        + " got 'not-an-env'",
                "apps.web.database.tool: unknown migration tool 'alembic'; expected flyway or liquibase",
                "apps.web.database.migrations: missing; expected the directory of a release's migrations, e.g."
                        + " releases/${version}/db/migration");
        assertThat(String.join("\n", problems)).doesNotContain("hunter2");
    }

    @Test
    void liquibaseReadsItsOwnHistoryTableByDefault() {
        DatabaseSpec d = parse("{url: 'jdbc:h2:/srv/db', tool: liquibase, migrations: '/x/${version}/changelog.xml'}");

        assertThat(problems).isEmpty();
        assertThat(d.tool()).isEqualTo(DatabaseSpec.Tool.LIQUIBASE);
        assertThat(d.table()).isEqualTo("databasechangelog");
    }

    @Test
    void migrateAndCommandAreReadAndChecked() {
        DatabaseSpec d = parse("{url: 'jdbc:h2:/srv/db', migrations: /x, migrate: expand,"
                + " command: [flyway, '-target=${target}', migrate]}");

        assertThat(problems).isEmpty();
        assertThat(d.migrate()).isEqualTo(DatabaseSpec.Migrate.EXPAND);
        assertThat(d.command()).containsExactly("flyway", "-target=${target}", "migrate");

        assertThat(parse("{url: 'jdbc:h2:/srv/db', migrations: /x, migrate: always, command: [flyway, '']}"))
                .isNull();
        assertThat(problems).containsExactly("apps.web.database.migrate: expected none (the app migrates) or expand"
                + " (a deploy runs the release's expand migrations before traffic moves), got 'always'",
                "apps.web.database.command: expected an argument list such as [\"flyway\", \"-target=${target}\","
                        + " \"migrate\"] (no empty arguments; it is never run through a shell)");
        problems.clear();
        // A shell string is not an argument list.
        assertThat(parse("{url: 'jdbc:h2:/srv/db', migrations: /x, command: 'flyway migrate && rm -rf /'}")).isNull();
        assertThat(problems).containsExactly("apps.web.database.command: expected a list, e.g. [a, b]");
    }
}
