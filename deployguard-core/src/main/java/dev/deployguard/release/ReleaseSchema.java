package dev.deployguard.release;

import java.util.List;
import java.util.Objects;

/**
 * What a release knows of its database, recorded when it is deployed: the migrations it ships, each expand or
 * contract, and the schema version it needs (its highest migration). Rollbacks and drills judge a target by this
 * record, not by a re-read of a directory that may have changed or gone since.
 *
 * @param tool       {@code flyway} or {@code liquibase}
 * @param knows      the schema version the release needs and knows (Flyway: its highest version; Liquibase: its last
 *                   changeset id), null when it ships none
 * @param migrations the migrations it ships, oldest first
 */
public record ReleaseSchema(String tool, String knows, List<Shipped> migrations) {
    public ReleaseSchema {
        Objects.requireNonNull(tool, "tool");
        migrations = List.copyOf(migrations);
    }

    /**
     * One migration as the release ships it.
     *
     * @param version     Flyway's version, or Liquibase's changeset {@code id::author}
     * @param description what it does
     * @param script      the file it comes from
     * @param kind        {@code expand} or {@code contract}
     */
    public record Shipped(String version, String description, String script, String kind) {
        public Shipped {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(kind, "kind");
        }
    }
}
