package dev.deployguard.store.backup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/** Dumps a live store consistently and restores a dump, into a scratch target or over the store itself. */
sealed interface StoreEngine permits H2Engine, PostgresEngine {

    /** A consistent dump and the digest of the same snapshot it was taken from. */
    record Dump(byte[] bytes, TableDigest digest, Map<String, String> tools) {
    }

    /** "h2" or "postgresql", as recorded in the manifest. */
    String kind();

    /** The name of the dump inside the backup's zip. */
    String entryName();

    Dump dump(Connection live, Path work) throws Exception;

    /** Restores the dump into a fresh scratch database, digests it, and removes the scratch database. */
    TableDigest restoreScratch(byte[] dump, Path work) throws Exception;

    /** Replaces the store's contents with the dump. The caller made sure no control plane uses the store. */
    void restoreLive(byte[] dump, Path work) throws Exception;

    /** Reads the digest of the live store, for comparisons after a live restore. */
    TableDigest digestLive() throws SQLException;
}
