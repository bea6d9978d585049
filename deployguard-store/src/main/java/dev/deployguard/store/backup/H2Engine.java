package dev.deployguard.store.backup;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;

/**
 * The embedded H2 store. The dump is H2's {@code SCRIPT} (SQL text) run inside one REPEATABLE READ transaction
 * together with the digest, so the dump and the digest see the same snapshot while the control plane keeps
 * writing; {@code BACKUP TO} copies the database file instead, which ties the backup to the H2 file format of this
 * release and cannot share a transaction with the digest we compare against.
 */
final class H2Engine implements StoreEngine {
    private final Path database;

    /** {@code database}: the file name without {@code .mv.db}, as in the JDBC URL. */
    H2Engine(Path database) {
        this.database = database;
    }

    @Override
    public String kind() {
        return "h2";
    }

    @Override
    public String entryName() {
        return "store.sql";
    }

    @Override
    public Dump dump(Connection c, Path work) throws SQLException, java.io.IOException {
        Path script = work.resolve("store.sql");
        boolean auto = c.getAutoCommit();
        int isolation = c.getTransactionIsolation();
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            TableDigest digest = TableDigest.of(c);
            try (Statement s = c.createStatement()) {
                s.execute("SCRIPT NOPASSWORDS TO '" + quote(script) + "'");
            }
            c.commit();
            return new Dump(Files.readAllBytes(script), digest, Map.of("h2", org.h2.engine.Constants.VERSION));
        } finally {
            c.rollback();
            c.setTransactionIsolation(isolation);
            c.setAutoCommit(auto);
            Files.deleteIfExists(script);
        }
    }

    @Override
    public TableDigest restoreScratch(byte[] dump, Path work) throws Exception {
        Path db = work.resolve("scratch");
        try (Connection c = load(db, dump, work)) {
            return TableDigest.of(c);
        } finally {
            Files.deleteIfExists(work.resolve("scratch.mv.db"));
            Files.deleteIfExists(work.resolve("scratch.trace.db"));
        }
    }

    @Override
    public void restoreLive(byte[] dump, Path work) throws Exception {
        Path file = Path.of(database + ".mv.db");
        Path aside = Path.of(database + ".mv.db.before-restore-" + Instant.now().toEpochMilli());
        boolean had = Files.exists(file);
        if (had) {
            // Fails with 90020 (BUSY) while another process holds the database, before anything is moved.
            load(database, new byte[0], work).close();
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        }
        try (Connection c = load(database, dump, work)) {
            c.isValid(1);
        } catch (Exception e) {
            Files.deleteIfExists(file);
            if (had) {
                Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
    }

    @Override
    public TableDigest digestLive() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + database + ";IFEXISTS=TRUE", "sa", "")) {
            return TableDigest.of(c);
        }
    }

    private static Connection load(Path db, byte[] dump, Path work) throws Exception {
        Path script = work.resolve("restore.sql");
        Files.write(script, dump);
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:h2:file:" + db, "sa", "");
        } catch (SQLException e) {
            if (e.getErrorCode() == 90020) {
                throw new DeployGuardException(ExitCode.BUSY, "the state database " + db + " is in use by a running"
                        + " control plane; stop it first (deployguard restore never runs under a live control plane)");
            }
            throw e;
        }
        try (Statement s = c.createStatement()) {
            s.execute("RUNSCRIPT FROM '" + quote(script) + "'");
            return c;
        } catch (SQLException e) {
            c.close();
            throw DeployGuardException.badInput("the H2 dump in the backup could not be replayed: "
                    + e.getMessage().lines().findFirst().orElse("") + "; nothing was restored");
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static String quote(Path p) {
        return p.toAbsolutePath().toString().replace("'", "''");
    }
}
