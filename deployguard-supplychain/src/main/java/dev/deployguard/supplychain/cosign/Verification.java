package dev.deployguard.supplychain.cosign;

/**
 * The outcome of checking an image digest's cosign signatures with one public key.
 *
 * @param verified        true when a signature verified and its payload names this digest (and repository,
 *                        under {@code identity.repository: exact})
 * @param refusal         why not, when not verified (null when verified)
 * @param message         a sentence a person can check: what was looked at, what was found
 * @param dockerReference the repository the accepted payload names (null when not verified)
 * @param host            the registry the signatures were read from (null when none answered)
 */
public record Verification(boolean verified, Refusal refusal, String message, String dockerReference, String host) {
    /** Why a signature was not accepted. */
    public enum Refusal {
        /** No {@code sha256-<hex>.sig} tag, or it has no signed layer. */
        MISSING,
        /** The signature annotation is not base64, or its bytes are not a signature of the key's kind. */
        BAD_ENCODING,
        /** A keyless signature (Fulcio certificate) where the policy trusts a key. */
        KEYLESS,
        /** A key signature where the policy is keyless. */
        KEYED,
        /** Keyless: the certificate does not chain to the trusted root, or was not valid when the signature was logged. */
        UNTRUSTED_CERTIFICATE,
        /** Keyless: the certificate names another identity or issuer than the policy requires. */
        WRONG_IDENTITY,
        /** Keyless: the transparency-log evidence is missing, does not verify, or is for something else. */
        BAD_TLOG,
        /** The signature does not verify, and its Rekor entry shows it was made with another key. */
        WRONG_KEY,
        /** The signature does not verify, and its Rekor entry shows the payload signed was another one. */
        CHANGED_PAYLOAD,
        /**
         * No signature verifies with the key, and nothing tells why: signed with another key, or the payload (or
         * signature) was changed after signing — the two cannot be told apart cryptographically.
         */
        BAD_SIGNATURE,
        /** A signature verifies, but its payload is for another image digest. */
        OTHER_DIGEST,
        /**
         * A signature verifies for this digest, but its payload names a repository that is not this one (only under
         * {@code signature.identity.repository: exact}).
         */
        OTHER_REPOSITORY,
        /** A signature verifies, but its payload is not a cosign simple-signing document. */
        MALFORMED
    }

    public static Verification accepted(String message, String dockerReference, String host) {
        return new Verification(true, null, message, dockerReference, host);
    }

    public static Verification refused(Refusal refusal, String message, String host) {
        return new Verification(false, refusal, message, null, host);
    }
}
