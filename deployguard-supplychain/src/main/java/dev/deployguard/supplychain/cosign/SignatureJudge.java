package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.ImageSpec.IdentityRepository;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Decides, without I/O, whether cosign signature layers vouch for an image digest, as {@code cosign verify --key}
 * does: the image is accepted when any layer's signature verifies over its payload with the key and that payload's
 * {@code critical.image.docker-manifest-digest} is the digest. The payload's {@code docker-reference} is reported,
 * and required to name the repository or a mirror only under {@code identity.repository: exact}. A refusal says
 * why as precisely as the layers allow (see {@link Refusal}).
 */
public final class SignatureJudge {
    /** The layer annotation that holds the base64 signature. */
    public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
    /** The media type cosign gives a simple-signing payload layer. */
    public static final String PAYLOAD_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
    /** When layers are refused for different reasons, the one reported first: the most telling. */
    private static final List<Refusal> PRECEDENCE = List.of(Refusal.OTHER_DIGEST, Refusal.OTHER_REPOSITORY,
            Refusal.MALFORMED, Refusal.WRONG_IDENTITY, Refusal.UNTRUSTED_CERTIFICATE, Refusal.BAD_TLOG,
            Refusal.CHANGED_PAYLOAD, Refusal.WRONG_KEY, Refusal.KEYLESS, Refusal.KEYED, Refusal.BAD_SIGNATURE,
            Refusal.BAD_ENCODING);

    private SignatureJudge() {
    }

    /** One layer's refusal. */
    private record LayerRefusal(int layer, Refusal refusal, String message) {
    }

    /** Judges with cosign's rule: any repository in the payload. */
    public static Verification judge(List<SignedLayer> layers, String digest, PublicKey key,
                                     Set<String> repositories, String where, String host) {
        return judge(layers, digest, key, IdentityRepository.ANY, repositories, where, host);
    }

    /**
     * @param layers       the signature manifest's layers, in order
     * @param digest       the image digest that must be signed
     * @param key          the trusted public key
     * @param rule         whether the payload must name one of {@code repositories}
     * @param repositories the repository names a payload may give under {@code exact} (the primary and its mirrors,
     *                     host/path)
     * @param where        where the layers came from, for messages, e.g. {@code 127.0.0.1:5000/web:sha256-....sig}
     */
    public static Verification judge(List<SignedLayer> layers, String digest, PublicKey key, IdentityRepository rule,
                                     Set<String> repositories, String where, String host) {
        return judge(layers, digest, new Trust.Key(key), rule, repositories, where, host);
    }

    /** As above, for a key or a keyless trust. */
    public static Verification judge(List<SignedLayer> layers, String digest, Trust trust, IdentityRepository rule,
                                     Set<String> repositories, String where, String host) {
        PublicKey key = trust instanceof Trust.Key k ? k.key() : null;
        String fp = key != null ? fingerprint(key) : null;
        int signed = 0;
        List<LayerRefusal> refusals = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            SignedLayer layer = layers.get(i);
            if (layer.signatureBase64() == null || layer.signatureBase64().isBlank()) {
                continue;
            }
            signed++;
            String at = "signature layer " + i + " of " + where;
            byte[] sig;
            try {
                sig = SignatureEncoding.decode(layer.signatureBase64());
            } catch (IllegalArgumentException e) {
                refusals.add(new LayerRefusal(i, Refusal.BAD_ENCODING, at + " is not base64: " + e.getMessage()));
                continue;
            }
            String signer;
            if (trust instanceof Trust.Keyless keyless) {
                KeylessCheck.Outcome outcome = KeylessCheck.check(layer, sig, keyless, at);
                if (outcome.refusal() != null) {
                    refusals.add(new LayerRefusal(i, outcome.refusal(), outcome.message()));
                    continue;
                }
                signer = "keyless, " + outcome.message() + ",";
            } else {
                KeySignatures.Result result = KeySignatures.verify(key, layer.payload(), sig);
                if (result != KeySignatures.Result.VERIFIES) {
                    refusals.add(whyNot(layer, i, at, key, fp, result));
                    continue;
                }
                signer = "key " + fp;
                TrustedRoot tlog = ((Trust.Key) trust).tlog();
                if (tlog != null) {
                    Object entry = KeylessCheck.logged(layer, sig, tlog, at, pem -> {
                        try {
                            return java.util.Arrays.equals(Pem.keyOf(pem).getEncoded(), key.getEncoded());
                        } catch (GeneralSecurityException | IllegalArgumentException e) {
                            return false;
                        }
                    });
                    if (entry instanceof KeylessCheck.Outcome refused) {
                        refusals.add(new LayerRefusal(i, refused.refusal(), refused.message()));
                        continue;
                    }
                    signer += " (Rekor entry verified, logged at " + entry + ")";
                }
            }
            JsonNode payload;
            try {
                payload = Json.mapper().readTree(layer.payload());
            } catch (IOException e) {
                payload = null;
            }
            String signedDigest = payload == null ? ""
                    : payload.path("critical").path("image").path("docker-manifest-digest").asText("");
            if (payload == null || !Digests.isSha256(signedDigest)) {
                refusals.add(new LayerRefusal(i, Refusal.MALFORMED, at + " verifies with " + signer
                        + " but its payload is not a cosign simple-signing document"
                        + " (no critical.image.docker-manifest-digest)"));
                continue;
            }
            if (!signedDigest.equals(digest)) {
                refusals.add(new LayerRefusal(i, Refusal.OTHER_DIGEST, "a signature in " + where + " verifies with "
                        + signer + " but signs another image, " + signedDigest + ", not " + digest
                        + ": the signature was copied from another image"));
                continue;
            }
            String ref = payload.path("critical").path("identity").path("docker-reference").asText("");
            boolean sameRepository = repositories.contains(repositoryOf(ref));
            if (rule == IdentityRepository.EXACT && !sameRepository) {
                refusals.add(new LayerRefusal(i, Refusal.OTHER_REPOSITORY, "a signature in " + where
                        + " verifies with " + signer + " for " + digest + " but names repository "
                        + (ref.isEmpty() ? "(none)" : ref) + ", not " + String.join(" or ", repositories)
                        + " (signature.identity.repository is exact)"));
                continue;
            }
            String accepted = at + " verifies with " + signer + " and signs " + digest + " for "
                    + (ref.isEmpty() ? "(no docker-reference)" : ref);
            if (!sameRepository) {
                accepted += "; that is another repository than " + String.join(" or ", repositories)
                        + ", accepted because the signature binds the digest (signature.identity.repository: any,"
                        + " as cosign decides)";
            }
            return Verification.accepted(accepted, ref, host);
        }
        if (signed == 0) {
            return Verification.refused(Refusal.MISSING, where + " has no layer with a "
                    + SIGNATURE_ANNOTATION + " annotation: " + digest + " is not signed", host);
        }
        refusals.sort(Comparator.comparingInt(r -> PRECEDENCE.indexOf(r.refusal())));
        LayerRefusal first = refusals.get(0);
        String message = first.message();
        if (first.refusal() == Refusal.BAD_SIGNATURE && refusals.stream()
                .allMatch(r -> r.refusal() == Refusal.BAD_SIGNATURE)) {
            message = "none of the " + signed + " signature(s) in " + where + " verifies with " + trust.describe()
                    + ": the image was signed with another key, or its signed payload was changed after signing";
        } else if (refusals.size() > 1) {
            message += " (" + (refusals.size() - 1) + " other signature(s) refused too: " + String.join(", ",
                    refusals.subList(1, refusals.size()).stream().map(r -> "layer " + r.layer() + " "
                            + r.refusal()).toList()) + ")";
        }
        return Verification.refused(first.refusal(), message, host);
    }

    /** Why a layer's signature does not verify with the key, as precisely as its annotations tell. */
    private static LayerRefusal whyNot(SignedLayer layer, int i, String at, PublicKey key, String fp,
                                       KeySignatures.Result result) {
        String certificate = layer.annotation(SignedLayer.CERTIFICATE_ANNOTATION);
        if (certificate != null && !certificate.isBlank()) {
            String who;
            try {
                SigningCertificate cert = SigningCertificate.parse(certificate);
                who = "a Fulcio certificate for " + cert.describe();
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                who = "a certificate that cannot be read (" + e.getMessage() + ")";
            }
            return new LayerRefusal(i, Refusal.KEYLESS, at + " is a keyless signature (" + who + "), but the"
                    + " policy trusts the key " + fp + ": verify it by identity, or sign with the key");
        }
        if (result == KeySignatures.Result.MALFORMED) {
            return new LayerRefusal(i, Refusal.BAD_ENCODING, at + " decodes from base64, but the bytes are not a "
                    + KeySignatures.describe(key) + " signature, which key " + fp + " needs");
        }
        RekorEvidence rekor = RekorEvidence.parse(layer.annotation(SignedLayer.BUNDLE_ANNOTATION));
        if (rekor != null) {
            String payloadHash = Digests.sha256(layer.payload()).substring("sha256:".length());
            if (!payloadHash.equals(rekor.payloadSha256())) {
                return new LayerRefusal(i, Refusal.CHANGED_PAYLOAD, at + " does not verify with key " + fp
                        + ": its payload was changed after signing (SHA-256 " + payloadHash + ", but Rekor entry "
                        + rekor.logIndex() + " recorded " + rekor.payloadSha256() + " at signing)");
            }
            PublicKey signer = rekor.signerKey();
            if (signer != null && !Arrays.equals(signer.getEncoded(), key.getEncoded())) {
                return new LayerRefusal(i, Refusal.WRONG_KEY, at + " was signed with another key, "
                        + fingerprint(signer) + " (as its Rekor entry " + rekor.logIndex() + " records), not " + fp
                        + ": check that image.signature.publicKey is the signer's key");
            }
        }
        return new LayerRefusal(i, Refusal.BAD_SIGNATURE, at + " does not verify with key " + fp
                + ": the image was signed with another key, or its signed payload was changed after signing");
    }

    /** The repository part of a docker reference: without {@code :tag} or {@code @digest}. */
    static String repositoryOf(String reference) {
        String r = reference;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int slash = r.lastIndexOf('/');
        int colon = r.lastIndexOf(':');
        if (colon > slash) {
            r = r.substring(0, colon);
        }
        return r;
    }

    /** A short, public identifier of a key: the first 16 hex digits of the SHA-256 of its DER encoding. */
    public static String fingerprint(PublicKey key) {
        return "SHA256:" + Digests.sha256(key.getEncoded()).substring(7, 23);
    }
}
