package dev.deployguard.store.schema;

import java.util.Objects;

/**
 * One versioned migration a release ships.
 *
 * @param version     Flyway's version, e.g. {@code 7} or {@code 2.1}
 * @param description the description part of the file name, underscores as spaces
 * @param script      the file name
 * @param kind        expand or contract
 */
public record Migration(String version, String description, String script, MigrationKind kind) {
    public Migration {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(kind, "kind");
    }
}
