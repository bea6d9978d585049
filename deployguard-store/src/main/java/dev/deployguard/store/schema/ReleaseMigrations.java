package dev.deployguard.store.schema;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.ReleaseSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The versioned Flyway migrations one release ships, read from its migrations directory (Flyway's file naming:
 * {@code V<version>__<description>.sql}), each classified expand or contract. The highest version is the schema the
 * release knows.
 */
public record ReleaseMigrations(String release, List<Migration> migrations) {
    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__(.+)\\.sql");

    public ReleaseMigrations {
        migrations = migrations.stream()
                .sorted(Comparator.comparing((Migration m) -> MigrationVersion.fromVersion(m.version()))).toList();
    }

    /**
     * Reads a release's migrations directory (not recursive: Flyway's default layout).
     *
     * @throws DeployGuardException (bad input) when the directory does not exist: a release whose migrations cannot be
     *                              found cannot be judged, and guessing "none" would let every rollback through
     */
    public static ReleaseMigrations scan(String release, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw DeployGuardException.badInput("the migrations of release " + release + " are not at " + dir
                    + " (database.migrations); without them DeployGuard cannot tell which schema the release knows."
                    + " Point database.migrations at the release's directory (${version} is replaced by the"
                    + " release's version)");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return new ReleaseMigrations(release, files.filter(Files::isRegularFile)
                    .map(ReleaseMigrations::read).flatMap(Optional::stream).toList());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dir, e);
        }
    }

    private static Optional<Migration> read(Path file) {
        String name = file.getFileName().toString();
        Matcher m = VERSIONED.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            return Optional.of(new Migration(m.group(1).replace('_', '.'), m.group(2).replace('_', ' '), name,
                    MigrationKind.classify(name, content)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /** The record kept with the release in the store. */
    public ReleaseSchema record() {
        return new ReleaseSchema("flyway", knows().map(MigrationVersion::getVersion).orElse(null), migrations.stream()
                .map(m -> new ReleaseSchema.Shipped(m.version(), m.description(), m.script(), m.kind().word()))
                .toList());
    }

    /** A release's migrations as its deploy recorded them. */
    public static ReleaseMigrations of(String release, ReleaseSchema recorded) {
        return new ReleaseMigrations(release, recorded.migrations().stream()
                .map(m -> new Migration(m.version(), m.description(), m.script(),
                        MigrationKind.valueOf(m.kind().toUpperCase(java.util.Locale.ROOT))))
                .toList());
    }

    /** The schema version this release knows: its highest migration, empty when it ships none. */
    public Optional<MigrationVersion> knows() {
        return migrations.isEmpty() ? Optional.empty()
                : Optional.of(MigrationVersion.fromVersion(migrations.get(migrations.size() - 1).version()));
    }

    /** The migration with this script name, when the release ships it. */
    public Optional<Migration> byScript(String script) {
        return migrations.stream().filter(m -> m.script().equals(script)).findFirst();
    }
}
