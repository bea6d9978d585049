package dev.deployguard.store.schema;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.ReleaseSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import liquibase.Scope;
import liquibase.change.AbstractSQLChange;
import liquibase.change.Change;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;

/**
 * The changesets one release ships, read from its Liquibase changelog (XML, YAML, JSON or formatted SQL) with
 * Liquibase's own parser, each classified: a label {@code contract} or {@code expand}, else a
 * {@code -- deployguard:contract|expand} marker in its comment or SQL, else the id's naming convention; contract when
 * unsure. The release knows the schema up to its last changeset.
 */
public final class LiquibaseChangelog {
    private LiquibaseChangelog() {
    }

    /** The changeset's identity in DATABASECHANGELOG, as Liquibase matches it (file path aside). */
    static String key(String id, String author) {
        return id + "::" + author;
    }

    /**
     * Parses {@code changelog}; the resource root is its directory.
     *
     * @throws DeployGuardException (bad input) when the file is missing or does not parse
     */
    public static ReleaseSchema read(String release, Path changelog) {
        if (!Files.isRegularFile(changelog)) {
            throw DeployGuardException.badInput("the Liquibase changelog of release " + release + " is not at "
                    + changelog + " (database.migrations); without it DeployGuard cannot tell which schema the"
                    + " release knows. Point database.migrations at the release's changelog file (${version} is"
                    + " replaced by the release's version)");
        }
        try {
            DatabaseChangeLog log = Scope.child(java.util.Map.of(), () -> {
                ResourceAccessor ra = new DirectoryResourceAccessor(changelog.getParent());
                String name = changelog.getFileName().toString();
                return ChangeLogParserFactory.getInstance().getParser(name, ra)
                        .parse(name, new ChangeLogParameters(), ra);
            });
            List<ReleaseSchema.Shipped> out = new ArrayList<>();
            for (ChangeSet cs : log.getChangeSets()) {
                out.add(new ReleaseSchema.Shipped(key(cs.getId(), cs.getAuthor()), cs.getDescription(),
                        cs.getFilePath(), classify(cs).name().toLowerCase(Locale.ROOT)));
            }
            return new ReleaseSchema("liquibase", out.isEmpty() ? null : out.get(out.size() - 1).version(), out);
        } catch (Exception e) {
            throw DeployGuardException.badInput("the Liquibase changelog " + changelog + " of release " + release
                    + " does not parse: " + firstLine(e) + "; fix it, or database.migrations");
        }
    }

    static MigrationKind classify(ChangeSet cs) {
        var labels = cs.getLabels() == null ? java.util.Set.<String>of() : cs.getLabels().getLabels();
        if (labels.stream().anyMatch(l -> l.equalsIgnoreCase("contract"))) {
            return MigrationKind.CONTRACT;
        }
        if (labels.stream().anyMatch(l -> l.equalsIgnoreCase("expand"))) {
            return MigrationKind.EXPAND;
        }
        StringBuilder text = new StringBuilder(cs.getComments() == null ? "" : "-- " + cs.getComments() + "\n");
        for (Change c : cs.getChanges()) {
            if (c instanceof AbstractSQLChange sql && sql.getSql() != null) {
                text.append(sql.getSql()).append('\n');
            }
        }
        return MigrationKind.classify(cs.getId(), text.toString());
    }

    private static String firstLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()).lines().findFirst().orElse("");
    }
}
