package dev.deployguard.store.backup;

import java.nio.file.Path;

/**
 * Where a control plane keeps its state: the state directory, and the store's JDBC URL (null: the embedded H2 file
 * {@code deployguard.mv.db} in the state directory).
 */
public record StoreLocation(Path stateDir, String url, String user, String password) {
    public StoreLocation {
        stateDir = stateDir.toAbsolutePath();
    }

    boolean embedded() {
        return url == null;
    }

    /** The engine that dumps and restores this store. */
    StoreEngine engine() {
        if (url == null) {
            return new H2Engine(stateDir.resolve("deployguard"));
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return new PostgresEngine(PostgresEngine.Target.parse(url, user, password));
        }
        if (url.startsWith("jdbc:h2:")) {
            throw dev.deployguard.error.DeployGuardException.badInput("backup of an H2 store given by URL is not"
                    + " supported; use the embedded store (no --store-url) or PostgreSQL");
        }
        throw dev.deployguard.error.DeployGuardException.badInput("unsupported store URL; expected"
                + " jdbc:postgresql://... or none (the embedded H2 store)");
    }
}
