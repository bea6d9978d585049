package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Decides, without I/O, whether cosign signature layers vouch for an image digest, as {@code cosign verify --key}
 * does: the image is accepted when any layer's ECDSA P-256/SHA-256 signature verifies over its payload with the
 * key and that payload's {@code critical.image.docker-manifest-digest} is the digest. DeployGuard additionally
 * requires {@code critical.identity.docker-reference} to name the repository or one of its mirrors.
 */
public final class SignatureJudge {
    /** The layer annotation that holds the base64 signature. */
    public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
    /** The media type cosign gives a simple-signing payload layer. */
    public static final String PAYLOAD_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";

    private SignatureJudge() {
    }

    /**
     * @param layers       the signature manifest's layers, in order
     * @param digest       the image digest that must be signed
     * @param key          the trusted public key
     * @param repositories the repository names a payload may give (the primary and its mirrors, host/path)
     * @param where        where the layers came from, for messages, e.g. {@code 127.0.0.1:5000/web:sha256-....sig}
     */
    public static Verification judge(List<SignedLayer> layers, String digest, PublicKey key,
                                     Set<String> repositories, String where, String host) {
        String fp = fingerprint(key);
        int signed = 0;
        List<String> otherDigests = new ArrayList<>();
        List<String> otherRepos = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            SignedLayer layer = layers.get(i);
            if (layer.signatureBase64() == null || layer.signatureBase64().isBlank()) {
                continue;
            }
            signed++;
            if (!verifies(layer, key)) {
                continue;
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
                malformed.add("layer " + i);
                continue;
            }
            if (!signedDigest.equals(digest)) {
                otherDigests.add(signedDigest);
                continue;
            }
            String ref = payload.path("critical").path("identity").path("docker-reference").asText("");
            if (!repositories.contains(repositoryOf(ref))) {
                otherRepos.add(ref.isEmpty() ? "(none)" : ref);
                continue;
            }
            return Verification.accepted("signature layer " + i + " of " + where + " verifies with key " + fp
                    + " and signs " + digest + " for " + ref, ref, host);
        }
        if (signed == 0) {
            return Verification.refused(Refusal.MISSING, where + " has no layer with a "
                    + SIGNATURE_ANNOTATION + " annotation: " + digest + " is not signed", host);
        }
        if (!otherDigests.isEmpty()) {
            return Verification.refused(Refusal.OTHER_DIGEST, "a signature in " + where + " verifies with key " + fp
                    + " but signs another image, " + otherDigests.get(0) + ", not " + digest
                    + ": the signature was copied from another image", host);
        }
        if (!otherRepos.isEmpty()) {
            return Verification.refused(Refusal.OTHER_REPOSITORY, "a signature in " + where + " verifies with key "
                    + fp + " for " + digest + " but names repository " + otherRepos.get(0) + ", not "
                    + String.join(" or ", repositories), host);
        }
        if (!malformed.isEmpty()) {
            return Verification.refused(Refusal.MALFORMED, "signature " + malformed.get(0) + " of " + where
                    + " verifies with key " + fp + " but its payload is not a cosign simple-signing document"
                    + " (no critical.image.docker-manifest-digest)", host);
        }
        return Verification.refused(Refusal.BAD_SIGNATURE, "none of the " + signed + " signature(s) in " + where
                + " verifies with key " + fp + ": the image was signed with another key, or its signed payload"
                + " was changed after signing", host);
    }

    /** Whether the layer's DER ECDSA signature verifies over its payload bytes with SHA-256. */
    static boolean verifies(SignedLayer layer, PublicKey key) {
        try {
            byte[] sig = Base64.getDecoder().decode(layer.signatureBase64().strip());
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(key);
            v.update(layer.payload());
            return v.verify(sig);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
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
