package dev.deployguard.store.backup;

import dev.deployguard.error.DeployGuardException;
import java.security.GeneralSecurityException;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The encryption key of backups, read from an environment variable named by the operator; the key itself never
 * appears in a message, an event or {@link #toString()}.
 */
public final class BackupKey {
    private static final int ITERATIONS = 210_000;
    private final String envName;
    private final char[] secret;

    private BackupKey(String envName, char[] secret) {
        this.envName = envName;
        this.secret = secret;
    }

    /** The key in {@code env.get(envName)}; null when {@code envName} is null (no encryption). */
    public static BackupKey fromEnv(String envName, Map<String, String> env) {
        if (envName == null) {
            return null;
        }
        String value = env.get(envName);
        if (value == null || value.isBlank()) {
            throw DeployGuardException.badInput("--key-env " + envName + ": the environment variable " + envName
                    + " is not set or empty; export the backup key in it (e.g. openssl rand -base64 32)");
        }
        if (value.length() < 16) {
            throw DeployGuardException.badInput("--key-env " + envName + ": the key in " + envName + " has "
                    + value.length() + " characters; use at least 16 (e.g. openssl rand -base64 32)");
        }
        return new BackupKey(envName, value.toCharArray());
    }

    String envName() {
        return envName;
    }

    /** The AES-256 key for one file: PBKDF2 with that file's salt, so equal keys never give equal ciphertexts. */
    byte[] derive(byte[] salt) {
        try {
            var spec = new PBEKeySpec(secret, salt, ITERATIONS, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "BackupKey[$" + envName + "]";
    }
}
