package dev.deployguard.kubernetes.etcd;

import dev.deployguard.error.DeployGuardException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An etcd snapshot file as the Maintenance API streams it: the member's bbolt database (whole 4 KiB pages) followed
 * by a 32-byte SHA-256 of the database. {@link #check} proves the file is whole and unchanged before anything
 * restores it, as {@code etcdutl snapshot restore} does unless told {@code --skip-hash-check}.
 */
public final class SnapshotFile {
    /** The trailer's length: a SHA-256 digest of everything before it. */
    public static final int TRAILER = 32;
    /** bbolt's page size on the platforms etcd runs on; a database is a whole number of pages. */
    static final int PAGE = 4096;

    private SnapshotFile() {
    }

    /** What a good file holds: its database's size and the SHA-256 of the database (hex, as in the trailer). */
    public record Checked(Path file, long databaseBytes, String sha256) {
    }

    /**
     * Checks that {@code file} is a whole snapshot whose trailer matches its database; throws a message naming what
     * is wrong (missing, too short, cut or padded, changed bytes) otherwise.
     */
    public static Checked check(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw DeployGuardException.notFound("cannot read etcd snapshot " + file + ": " + e.getMessage());
        }
        if (size < PAGE + TRAILER) {
            throw DeployGuardException.badInput("etcd snapshot " + file + " is " + size + " bytes: too short to be a"
                    + " database plus its 32-byte SHA-256 trailer (an interrupted save or the wrong file)");
        }
        long database = size - TRAILER;
        if (database % PAGE != 0) {
            throw DeployGuardException.badInput("etcd snapshot " + file + " is cut or padded: " + size + " bytes is"
                    + " not whole 4 KiB database pages plus the 32-byte SHA-256 trailer (" + (database % PAGE)
                    + " bytes too many or " + (PAGE - database % PAGE) + " missing); take a new snapshot");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] trailer = new byte[TRAILER];
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            long left = database;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw DeployGuardException.badInput("etcd snapshot " + file + " shrank while it was read");
                }
                sha.update(buf, 0, n);
                left -= n;
            }
            if (in.readNBytes(trailer, 0, TRAILER) != TRAILER) {
                throw DeployGuardException.badInput("etcd snapshot " + file + " shrank while it was read");
            }
        } catch (IOException e) {
            throw DeployGuardException.notFound("cannot read etcd snapshot " + file + ": " + e.getMessage());
        }
        byte[] actual = sha.digest();
        if (!Arrays.equals(actual, trailer)) {
            throw DeployGuardException.badInput("etcd snapshot " + file + " is damaged: the SHA-256 of its database ("
                    + HexFormat.of().formatHex(actual, 0, 6) + "…) differs from its trailer ("
                    + HexFormat.of().formatHex(trailer, 0, 6) + "…); changed bytes or a partial copy — restore"
                    + " another snapshot");
        }
        return new Checked(file, database, HexFormat.of().formatHex(actual));
    }
}
