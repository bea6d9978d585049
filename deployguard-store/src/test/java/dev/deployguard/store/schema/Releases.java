package dev.deployguard.store.schema;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;

/** Test releases 1.0 (V1), 2.0 (+ V2 expand, by marker) and 3.0 (+ V3 contract, by name) under db/releases. */
final class Releases {
    private Releases() {
    }

    static Path dir(String version) {
        try {
            return Path.of(Releases.class.getResource("/db/releases/" + version).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ReleaseMigrations of(String version) {
        return ReleaseMigrations.scan(version, dir(version));
    }

    /** Migrates the database the way release {@code version} does at its start: real Flyway, real history. */
    static void migrate(String url, String user, String password, String version) {
        Flyway.configure().dataSource(url, user, password).locations("filesystem:" + dir(version)).load().migrate();
    }
}
