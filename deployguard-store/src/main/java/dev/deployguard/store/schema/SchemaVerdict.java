package dev.deployguard.store.schema;

import java.util.List;
import java.util.stream.Collectors;

/** Whether a release may serve on the database's schema as it is now, and why. */
public sealed interface SchemaVerdict {
    /** One line for events, CLI output and refusals. */
    String message();

    /** True when a rollback may proceed without {@code --force-schema}. */
    default boolean allowed() {
        return this instanceof Compatible || this instanceof ExpandOnlyGap;
    }

    /** The database holds nothing newer than the release knows. */
    record Compatible(String release, String schemaVersion) implements SchemaVerdict {
        @Override
        public String message() {
            return "schema compatible: release " + release + " knows schema version " + schemaVersion
                    + ", the database holds nothing newer";
        }
    }

    /** The database holds newer migrations, all expand: the older code keeps working. */
    record ExpandOnlyGap(String release, String knows, List<AppliedMigration> newer) implements SchemaVerdict {
        public ExpandOnlyGap {
            newer = List.copyOf(newer);
        }

        @Override
        public String message() {
            return "schema: the database holds " + newer.size() + " migration(s) newer than release " + release
                    + " knows (" + knows + "), all expand, so it keeps working: " + newer.stream()
                    .map(AppliedMigration::describe).collect(Collectors.joining("; "));
        }
    }

    /** The database holds a contract migration newer than the release knows: its code would break. */
    record Incompatible(String release, String knows, List<AppliedMigration> contract) implements SchemaVerdict {
        public Incompatible {
            contract = List.copyOf(contract);
        }

        @Override
        public String message() {
            return "release " + release + " knows schema version " + knows + " but the database holds contract"
                    + " migration(s) newer than that: " + contract.stream().map(AppliedMigration::describe)
                    .collect(Collectors.joining("; ")) + ". Its code would break on, or corrupt, today's schema."
                    + " Safe ways out: roll forward (fix and deploy a newer release); deploy a release that knows"
                    + " schema version " + contract.get(contract.size() - 1).version() + "; or restore the"
                    + " database to a backup from before the migration, then roll back. --force-schema rolls back"
                    + " anyway (recorded with your name)";
        }
    }

    /** The history could not be read: never a pass. */
    record CannotTell(String reason) implements SchemaVerdict {
        @Override
        public String message() {
            return "cannot tell whether the schema is compatible: " + reason;
        }
    }
}
