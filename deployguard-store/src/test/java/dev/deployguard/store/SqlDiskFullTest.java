package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * The message a full disk gets, from the exception chains H2 2.3 and PostgreSQL give (H2's chain as FullDiskIT
 * meets it on a real full tmpfs: General error, then MVStoreException "Writing to ... failed", then the OS's
 * "No space left on device"; the next caller gets "The database has been closed" with the same cause).
 */
class SqlDiskFullTest {
    @Test
    void h2sWriteFailureNamesTheFileAndTheDisk() {
        var enospc = new IOException("java.io.IOException: No space left on device",
                new IOException("No space left on device"));
        var mv = new IllegalStateException("Writing to async:/srv/dg/deployguard.mv.db failed; length 16384 at 794624"
                + " [2.3.232/2]", enospc);
        var closed = new SQLException("The database has been closed [90098-232]", "90098", 90098, mv);

        assertThat(Sql.diskFull(closed)).hasValueSatisfying(m -> assertThat(m)
                .contains("no space left on the disk holding /srv/dg/deployguard.mv.db", "nothing was changed",
                        "resumes by itself")
                .doesNotContain("Exception"));
    }

    @Test
    void postgresqlsDiskFullStateIsRecognisedWithoutAFileName() {
        var pg = new SQLException("ERROR: could not extend file \"base/16384/2619\": wrote only 4096 of 8192 bytes",
                "53100");
        assertThat(Sql.diskFull(pg)).hasValueSatisfying(m -> assertThat(m)
                .contains("no space left on the database server's disk"));
    }

    @Test
    void otherDatabaseErrorsAreNotCalledAFullDisk() {
        var other = new SQLException("Value too long for column", "22001", 22001,
                new IllegalStateException("Writing to async:/srv/dg/deployguard.mv.db failed", new IOException("EIO")));
        assertThat(Sql.diskFull(other)).isEmpty();
    }

    /**
     * The guard before H2 commits: a transaction with changes is refused with the full-disk message while the disk
     * beside the database has less than the reserve; a read is not, and neither is a write when there is room.
     */
    @Test
    void aWriteIsRefusedBeforeH2MeetsAFullDiskAndAReadIsNot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String url = "jdbc:h2:async:" + dir.resolve("guard") + ";WRITE_DELAY=0";
        try (var c = java.sql.DriverManager.getConnection(url, "sa", "")) {
            c.createStatement().execute("CREATE TABLE t(x INT)");
            c.setAutoCommit(false);
            c.createStatement().executeQuery("SELECT COUNT(*) FROM t").close();
            Sql.refuseIfTheDiskIsFull(c); // A read: nothing to write, never refused.
            c.createStatement().execute("INSERT INTO t VALUES (1)");
            boolean roomy = java.nio.file.Files.getFileStore(dir).getUsableSpace() >= Sql.RESERVE;
            if (roomy) {
                Sql.refuseIfTheDiskIsFull(c); // Room enough: goes on.
            }
            c.commit();
        }
        // The refusal's own message, as the API shows it.
        var refused = new SQLException("No space left on device: fewer than 256 KB free beside " + dir.resolve(
                "guard.mv.db") + "; Writing to " + dir.resolve("guard.mv.db") + " not attempted", "53100");
        assertThat(Sql.diskFull(refused)).hasValueSatisfying(m -> assertThat(m)
                .contains("no space left on the disk holding " + dir.resolve("guard.mv.db"), "nothing was changed"));
    }
}
