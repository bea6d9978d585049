package dev.deployguard.supplychain.cosign;

import dev.deployguard.spec.ImageSpec;
import java.security.PublicKey;
import java.util.regex.Pattern;

/** What a signature must be made by: a key, or a keyless identity under a trusted root. */
public sealed interface Trust {
    /**
     * A public key (cosign {@code --key}); with {@code tlog}, each signature must also be in a transparency log of
     * that trusted root (cosign's default), else null.
     */
    record Key(PublicKey key, TrustedRoot tlog) implements Trust {
        public Key(PublicKey key) {
            this(key, null);
        }
    }

    /** A Fulcio certificate identity and issuer under a trusted root (cosign keyless). */
    record Keyless(ImageSpec.Keyless policy, TrustedRoot root) implements Trust {
        boolean identityMatches(String san) {
            return policy.identity() != null ? policy.identity().equals(san)
                    : Pattern.compile(policy.identityRegexp()).matcher(san).matches();
        }

        boolean issuerMatches(String issuer) {
            return issuer != null && (policy.issuer() != null ? policy.issuer().equals(issuer)
                    : Pattern.compile(policy.issuerRegexp()).matcher(issuer).matches());
        }
    }

    /**
     * Reads the key or the trusted root the signature policy names.
     *
     * @throws IllegalArgumentException saying what is wrong with the file
     */
    static Trust of(ImageSpec.Signature signature) {
        return signature.keyless() != null
                ? new Keyless(signature.keyless(), TrustedRoot.read(signature.keyless().trustedRoot()))
                : new Key(signature.readKey(), signature.transparencyLog() == null ? null
                : TrustedRoot.read(signature.transparencyLog()));
    }

    /** For messages: the key's fingerprint, or the identity required. */
    default String describe() {
        return this instanceof Key k ? "key " + SignatureJudge.fingerprint(k.key())
                : "keyless " + ((Keyless) this).policy().describe();
    }
}
