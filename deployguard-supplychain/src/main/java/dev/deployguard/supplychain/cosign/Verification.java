package dev.deployguard.supplychain.cosign;

/**
 * The outcome of checking an image digest's cosign signatures with one public key.
 *
 * @param verified        true when a signature verified and its payload names this digest and repository
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
        /** No signature verifies with the key: signed with another key, or the payload was changed after signing. */
        BAD_SIGNATURE,
        /** A signature verifies, but its payload is for another image digest. */
        OTHER_DIGEST,
        /** A signature verifies for this digest, but its payload names a repository that is not this one. */
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
