package dev.deployguard.supplychain.cosign;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * Verifies a signature over a payload with a public key the way cosign does for a key file (sigstore's
 * {@code LoadVerifier} with SHA-256): ECDSA with SHA-256 and an ASN.1 DER signature on any curve, RSA PKCS#1 v1.5 with
 * SHA-256, and pure Ed25519.
 */
final class KeySignatures {
    private KeySignatures() {
    }

    /** The outcome of one verification: it verifies, it does not, or the signature bytes are not of the key's kind. */
    enum Result { VERIFIES, DOES_NOT_VERIFY, MALFORMED }

    static Result verify(PublicKey key, byte[] payload, byte[] signature) {
        try {
            Signature v = Signature.getInstance(algorithm(key));
            v.initVerify(key);
            v.update(payload);
            return v.verify(signature) ? Result.VERIFIES : Result.DOES_NOT_VERIFY;
        } catch (SignatureException e) {
            // The JDK throws here when the bytes are not a DER ECDSA signature or have the wrong length for RSA.
            return Result.MALFORMED;
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("the key cannot verify signatures: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot verify " + key.getAlgorithm() + " signatures", e);
        }
    }

    /** The JDK name of the signature scheme cosign uses with this key. */
    static String algorithm(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm()
                    + "; cosign keys are ECDSA, RSA or Ed25519");
        };
    }

    /** What kind of signature the key makes, for messages. */
    static String describe(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "ECDSA/SHA-256 (DER)";
            case "RSA" -> "RSA PKCS#1 v1.5/SHA-256";
            default -> "Ed25519";
        };
    }
}
