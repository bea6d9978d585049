package dev.deployguard.supplychain.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** OCI content digests: {@code sha256:<64 lowercase hex>}, the only algorithm registries must support. */
public final class Digests {
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    private Digests() {
    }

    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static boolean isSha256(String digest) {
        return digest != null && SHA256.matcher(digest).matches();
    }

    /** The tag under which cosign stores the signatures of {@code digest}: {@code sha256-<hex>.sig}. */
    public static String signatureTag(String digest) {
        return digest.replace(':', '-') + ".sig";
    }
}
