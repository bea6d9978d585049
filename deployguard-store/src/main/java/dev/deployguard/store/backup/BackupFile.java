package dev.deployguard.store.backup;

import dev.deployguard.error.DeployGuardException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** Frames a backup's body: header, optional AES-GCM encryption, SHA-256 trailer (see the package description). */
final class BackupFile {
    static final byte[] MAGIC = "DGBACKUP".getBytes(StandardCharsets.US_ASCII);
    private static final byte VERSION = 1;
    private static final byte ENCRYPTED = 1;
    private static final int TRAILER = 32;
    private static final int SALT = 16;
    private static final int NONCE = 12;
    private static final int CHECK = 16;
    private static final int PLAIN_HEADER = MAGIC.length + 2;
    private static final int ENCRYPTED_HEADER = PLAIN_HEADER + SALT + NONCE + CHECK;
    private static final SecureRandom RANDOM = new SecureRandom();

    private BackupFile() {
    }

    /** The framed bytes of {@code body}, encrypted when {@code key} is not null. */
    static byte[] write(byte[] body, BackupKey key) {
        try {
            ByteBuffer out;
            if (key == null) {
                out = ByteBuffer.allocate(PLAIN_HEADER + body.length + TRAILER);
                out.put(MAGIC).put(VERSION).put((byte) 0).put(body);
            } else {
                byte[] salt = random(SALT);
                byte[] nonce = random(NONCE);
                byte[] aes = key.derive(salt);
                ByteBuffer header = ByteBuffer.allocate(ENCRYPTED_HEADER);
                header.put(MAGIC).put(VERSION).put(ENCRYPTED).put(salt).put(nonce).put(keyCheck(aes));
                Cipher c = cipher(Cipher.ENCRYPT_MODE, aes, nonce);
                c.updateAAD(header.array());
                byte[] sealed = c.doFinal(body);
                out = ByteBuffer.allocate(ENCRYPTED_HEADER + sealed.length + TRAILER);
                out.put(header.array()).put(sealed);
            }
            out.put(sha256(out.array(), out.position()));
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** Whether the framed bytes say they are encrypted (after {@link #check}). */
    static boolean encrypted(byte[] file) {
        return file[MAGIC.length + 1] == ENCRYPTED;
    }

    /** Refuses a file that is not a backup, was cut short or was changed after it was written. */
    static void check(byte[] file, String name) {
        if (file.length < PLAIN_HEADER + TRAILER || !Arrays.equals(MAGIC, 0, MAGIC.length, file, 0, MAGIC.length)) {
            throw DeployGuardException.badInput(name + " is not a DeployGuard backup (no DGBACKUP header"
                    + (file.length < PLAIN_HEADER + TRAILER ? ", only " + file.length + " bytes" : "")
                    + "); nothing was restored");
        }
        byte[] expected = Arrays.copyOfRange(file, file.length - TRAILER, file.length);
        if (!MessageDigest.isEqual(expected, sha256(file, file.length - TRAILER))) {
            throw DeployGuardException.badInput(name + " is damaged: its SHA-256 trailer does not match its"
                    + " contents (the file was truncated or changed after it was written); nothing was restored."
                    + " Use another backup (deployguard backup list)");
        }
        if (file[MAGIC.length] != VERSION) {
            throw DeployGuardException.badInput(name + " has backup format version " + file[MAGIC.length]
                    + "; this DeployGuard reads version " + VERSION + "; restore it with the release that wrote it");
        }
    }

    /** The body of a checked file; {@code key} must be given for an encrypted one. */
    static byte[] read(byte[] file, BackupKey key, String name) {
        check(file, name);
        if (!encrypted(file)) {
            return Arrays.copyOfRange(file, PLAIN_HEADER, file.length - TRAILER);
        }
        if (key == null) {
            throw DeployGuardException.badInput(name + " is encrypted: name the environment variable that holds"
                    + " its key with --key-env");
        }
        if (file.length < ENCRYPTED_HEADER + TRAILER) {
            throw DeployGuardException.badInput(name + " is damaged: its encryption header is cut short");
        }
        ByteBuffer in = ByteBuffer.wrap(file);
        in.position(PLAIN_HEADER);
        byte[] salt = new byte[SALT];
        byte[] nonce = new byte[NONCE];
        byte[] check = new byte[CHECK];
        in.get(salt).get(nonce).get(check);
        byte[] aes = key.derive(salt);
        if (!MessageDigest.isEqual(check, keyCheck(aes))) {
            throw DeployGuardException.badInput("wrong key for " + name + ": the key in $" + key.envName()
                    + " is not the one it was encrypted with; nothing was restored");
        }
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, aes, nonce);
            c.updateAAD(file, 0, ENCRYPTED_HEADER);
            return c.doFinal(file, ENCRYPTED_HEADER, file.length - TRAILER - ENCRYPTED_HEADER);
        } catch (AEADBadTagException e) {
            throw DeployGuardException.badInput(name + " is damaged: its AES-GCM tag does not match (changed after"
                    + " it was written); nothing was restored");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    private static Cipher cipher(int mode, byte[] aes, byte[] nonce) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(aes, "AES"), new GCMParameterSpec(128, nonce));
        return c;
    }

    /** Lets a wrong key be told apart from a damaged file without decrypting anything. */
    private static byte[] keyCheck(byte[] aes) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(aes, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal("deployguard-backup-key-check".getBytes(StandardCharsets.US_ASCII)),
                    CHECK);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(bytes, 0, length);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
