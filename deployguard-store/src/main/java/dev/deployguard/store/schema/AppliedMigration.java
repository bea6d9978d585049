package dev.deployguard.store.schema;

import java.sql.Timestamp;

/** A migration the database's Flyway history says was applied, with who applied it and when. */
public record AppliedMigration(String version, String description, String script, String installedBy,
                               Timestamp installedOn, MigrationKind kind) {
    /** {@code version 3 'contract drop legacy status' (V3__contract_drop_legacy_status.sql, ...)}. */
    public String describe() {
        return "version " + version + " '" + description + "' (" + kind.word() + ", " + script + ", installed by "
                + installedBy + " on " + installedOn + ")";
    }
}
