package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * Decides, without I/O, whether Sigstore bundles attached to an image vouch for its digest with a key, as
 * {@code cosign verify --key} does for cosign 3's bundles: a message signature over the manifest whose digest is the
 * image's, or a DSSE envelope of an in-toto statement, signed with the key, whose subject names the image digest.
 * The bundles' transparency-log entries are counted, not verified (that needs a trusted root: as cosign's
 * {@code --insecure-ignore-tlog}). The public-key hint (base64 SHA-256 of the key) tells another key from a changed
 * envelope.
 */
public final class BundleJudge {
    private static final List<Refusal> PRECEDENCE = List.of(Refusal.OTHER_DIGEST, Refusal.MALFORMED,
            Refusal.WRONG_IDENTITY, Refusal.UNTRUSTED_CERTIFICATE, Refusal.BAD_TLOG, Refusal.CHANGED_PAYLOAD,
            Refusal.WRONG_KEY, Refusal.KEYLESS, Refusal.KEYED, Refusal.BAD_SIGNATURE, Refusal.BAD_ENCODING);

    private BundleJudge() {
    }

    /** A bundle as found: where (for messages), and the bundle or why it cannot be read. */
    public record Found(String where, SigstoreBundle bundle, String unreadable) {
    }

    private record Refused(Refusal refusal, String message) {
    }

    /**
     * @param manifest the image manifest's bytes (asked for only when a message signature needs them)
     */
    public static Verification judge(List<Found> bundles, String digest, Supplier<byte[]> manifest, PublicKey key,
                                     String host) {
        return judge(bundles, digest, manifest, new Trust.Key(key), host);
    }

    /** As above, for a key or a keyless trust. */
    public static Verification judge(List<Found> bundles, String digest, Supplier<byte[]> manifest, Trust trust,
                                     String host) {
        List<Refused> refusals = new ArrayList<>();
        for (Found found : bundles) {
            if (found.bundle() == null) {
                refusals.add(new Refused(Refusal.BAD_ENCODING, "the Sigstore bundle " + found.where()
                        + " cannot be read: " + found.unreadable()));
                continue;
            }
            Object outcome;
            if (trust instanceof Trust.Key k && k.tlog() != null) {
                // Fail closed: the policy requires the log, and a keyed bundle's log entry is not checked yet.
                outcome = new Refused(Refusal.BAD_TLOG, "the Sigstore bundle " + found.where() + " is a keyed bundle;"
                        + " signature.transparencyLog requires a verified log entry, which DeployGuard checks for"
                        + " classic key signatures and keyless bundles only");
            } else if (trust instanceof Trust.Key k) {
                outcome = judgeOne(found, digest, manifest, k.key(), SignatureJudge.fingerprint(k.key()), host);
            } else {
                outcome = judgeKeyless(found, digest, manifest, (Trust.Keyless) trust, host);
            }
            if (outcome instanceof Verification v) {
                return v;
            }
            refusals.add((Refused) outcome);
        }
        if (refusals.isEmpty()) {
            return Verification.refused(Refusal.MISSING, "no Sigstore bundle is attached to " + digest, host);
        }
        refusals.sort(Comparator.comparingInt(r -> PRECEDENCE.indexOf(r.refusal())));
        Refused first = refusals.get(0);
        String more = refusals.size() == 1 ? "" : " (" + (refusals.size() - 1) + " other bundle(s) refused too)";
        return Verification.refused(first.refusal(), first.message() + more, host);
    }

    private static Object judgeOne(Found found, String digest, Supplier<byte[]> manifest, PublicKey key, String fp,
                                   String host) {
        SigstoreBundle b = found.bundle();
        String at = "the Sigstore bundle " + found.where();
        String tlog = b.tlogEntries() == 0 ? "no transparency-log entry"
                : b.tlogEntries() + " transparency-log entr" + (b.tlogEntries() == 1 ? "y" : "ies")
                + " (not verified: no trusted root)";
        if (b.certificate() != null) {
            String who;
            try {
                X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(b.certificate()));
                who = "a Fulcio certificate for " + SigningCertificate.of(cert).describe();
            } catch (GeneralSecurityException e) {
                who = "a certificate that cannot be read (" + e.getMessage() + ")";
            }
            return new Refused(Refusal.KEYLESS, at + " is a keyless signature (" + who + "), but the policy trusts"
                    + " the key " + fp + ": verify it by identity, or sign with the key");
        }
        boolean hintIsAnotherKey = b.keyHint() != null && !b.keyHint().equals(hint(key));
        if (b.content() instanceof SigstoreBundle.MessageSignature m) {
            if (!m.digestAlgorithm().equals("SHA2_256")) {
                return new Refused(Refusal.MALFORMED, at + " signs a " + m.digestAlgorithm() + " digest; images are"
                        + " named by SHA-256");
            }
            String signed = "sha256:" + HexFormat.of().formatHex(m.digest());
            if (!signed.equals(digest)) {
                return new Refused(Refusal.OTHER_DIGEST, at + " signs another image, " + signed + ", not " + digest
                        + ": the bundle was copied from another image");
            }
            KeySignatures.Result r = KeySignatures.verify(key, manifest.get(), m.signature());
            if (r == KeySignatures.Result.VERIFIES) {
                return Verification.accepted(at + " (message signature over the manifest) verifies with key " + fp
                        + " and signs " + digest + "; " + tlog, null, host);
            }
            return notVerified(at, key, fp, r, hintIsAnotherKey, b.keyHint() != null,
                    "its signature was changed after signing");
        }
        SigstoreBundle.Dsse d = (SigstoreBundle.Dsse) b.content();
        if (!d.payloadType().equals(SigstoreBundle.IN_TOTO)) {
            return new Refused(Refusal.MALFORMED, at + " has a DSSE payload of type '" + d.payloadType() + "', not an"
                    + " in-toto statement (" + SigstoreBundle.IN_TOTO + ")");
        }
        KeySignatures.Result r = verifyDsse(d, key);
        if (r != KeySignatures.Result.VERIFIES) {
            return notVerified(at, key, fp, r, hintIsAnotherKey, b.keyHint() != null,
                    "its envelope (statement or signature) was changed after signing");
        }
        return statementVerdict(d, digest, at, "key " + fp, tlog, host);
    }

    private static Object judgeKeyless(Found found, String digest, Supplier<byte[]> manifest, Trust.Keyless trust,
                                       String host) {
        SigstoreBundle b = found.bundle();
        String at = "the Sigstore bundle " + found.where();
        if (b.certificate() == null) {
            return new Refused(Refusal.KEYED, at + " was made with a key (no Fulcio certificate), but the policy is"
                    + " keyless (" + trust.policy().describe() + ")");
        }
        if (b.content() instanceof SigstoreBundle.MessageSignature m) {
            String signed = "sha256:" + HexFormat.of().formatHex(m.digest());
            if (!m.digestAlgorithm().equals("SHA2_256") || !signed.equals(digest)) {
                return new Refused(Refusal.OTHER_DIGEST, at + " signs another artifact, " + signed + ", not "
                        + digest);
            }
        }
        KeylessBundleCheck.Outcome o = KeylessBundleCheck.check(b.json(), b, manifest.get(), trust, at);
        if (o.refusal() != null) {
            return new Refused(o.refusal(), o.message());
        }
        String signer = "keyless, " + o.message() + ",";
        if (b.content() instanceof SigstoreBundle.MessageSignature) {
            return Verification.accepted(at + " (message signature over the manifest) verifies with " + signer
                    + " and signs " + digest, null, host);
        }
        return statementVerdict((SigstoreBundle.Dsse) b.content(), digest, at, signer, "Rekor entry verified", host);
    }

    /** Judges a verified DSSE envelope's in-toto statement: is the image digest its subject? */
    private static Object statementVerdict(SigstoreBundle.Dsse d, String digest, String at, String signer,
                                           String tlog, String host) {
        if (!d.payloadType().equals(SigstoreBundle.IN_TOTO)) {
            return new Refused(Refusal.MALFORMED, at + " has a DSSE payload of type '" + d.payloadType() + "', not an"
                    + " in-toto statement (" + SigstoreBundle.IN_TOTO + ")");
        }
        JsonNode statement;
        try {
            statement = Json.mapper().readTree(d.payload());
        } catch (IOException e) {
            return new Refused(Refusal.MALFORMED, at + " verifies with " + signer + " but its payload is not JSON");
        }
        String hex = digest.substring("sha256:".length());
        List<String> subjects = new ArrayList<>();
        for (JsonNode s : statement.path("subject")) {
            String sha = s.path("digest").path("sha256").asText("");
            if (sha.equals(hex)) {
                return Verification.accepted(at + " (DSSE in-toto statement, predicate "
                        + statement.path("predicateType").asText("(none)") + ") verifies with " + signer
                        + " and names " + digest + " as its subject; " + tlog, null, host);
            }
            subjects.add("sha256:" + sha);
        }
        if (subjects.isEmpty()) {
            return new Refused(Refusal.MALFORMED, at + " verifies with " + signer + " but its in-toto statement has"
                    + " no sha256 subject");
        }
        return new Refused(Refusal.OTHER_DIGEST, at + " verifies with " + signer + " but its subject is another"
                + " image, " + String.join(", ", subjects) + ", not " + digest + ": the bundle was copied from another"
                + " image");
    }

    private static Refused notVerified(String at, PublicKey key, String fp, KeySignatures.Result r,
                                       boolean hintIsAnotherKey, boolean hasHint, String changed) {
        if (r == KeySignatures.Result.MALFORMED) {
            return new Refused(Refusal.BAD_ENCODING, at + " carries bytes that are not a " + KeySignatures.describe(key)
                    + " signature, which key " + fp + " needs");
        }
        if (hintIsAnotherKey) {
            return new Refused(Refusal.WRONG_KEY, at + " was signed with another key (its key hint is not the"
                    + " SHA-256 of " + fp + "): check that the key is the signer's");
        }
        if (hasHint) {
            return new Refused(Refusal.CHANGED_PAYLOAD, at + " names key " + fp + " as its signer but does not"
                    + " verify with it: " + changed);
        }
        return new Refused(Refusal.BAD_SIGNATURE, at + " does not verify with key " + fp + ": signed with another"
                + " key, or " + changed);
    }

    /** Whether any signature of the envelope verifies over its pre-authentication encoding with the key. */
    static KeySignatures.Result verifyDsse(SigstoreBundle.Dsse d, PublicKey key) {
        KeySignatures.Result worst = KeySignatures.Result.DOES_NOT_VERIFY;
        for (byte[] sig : d.signatures()) {
            KeySignatures.Result r = KeySignatures.verify(key, d.pae(), sig);
            if (r == KeySignatures.Result.VERIFIES) {
                return r;
            }
            if (r == KeySignatures.Result.MALFORMED && d.signatures().size() == 1) {
                worst = r;
            }
        }
        return worst;
    }

    /** The public-key hint Sigstore clients write: base64 of the SHA-256 of the key's SubjectPublicKeyInfo. */
    static String hint(PublicKey key) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(Digests.sha256(key.getEncoded())
                .substring("sha256:".length())));
    }
}
