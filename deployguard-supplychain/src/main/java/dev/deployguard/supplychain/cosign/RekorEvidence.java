package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Locale;

/**
 * What the Rekor entry of a classic cosign signature (its {@code dev.sigstore.cosign/bundle} annotation, a
 * {@code hashedrekord}) recorded at signing time: the payload's SHA-256 and the key or certificate that signed. Used
 * only to say <em>why</em> a signature does not verify (another key, or a changed payload) — never to accept one,
 * so a forged entry can mislead a message but cannot let an image in.
 *
 * @param payloadSha256 lowercase hex of the payload that was signed
 * @param signerPem     the PEM text of the signer's public key or certificate
 * @param logIndex      the entry's index in the log
 */
record RekorEvidence(String payloadSha256, String signerPem, long logIndex) {
    /** Reads the annotation; null when it is absent or not a hashedrekord bundle. */
    static RekorEvidence parse(String annotation) {
        if (annotation == null || annotation.isBlank()) {
            return null;
        }
        try {
            JsonNode bundle = Json.mapper().readTree(annotation);
            JsonNode payload = bundle.path("Payload");
            JsonNode body = Json.mapper().readTree(Base64.getDecoder().decode(payload.path("body").asText("")));
            if (!"hashedrekord".equals(body.path("kind").asText())) {
                return null;
            }
            JsonNode spec = body.path("spec");
            String hash = spec.path("data").path("hash").path("value").asText("").toLowerCase(Locale.ROOT);
            String signer = new String(Base64.getDecoder().decode(spec.path("signature").path("publicKey")
                    .path("content").asText("")), StandardCharsets.US_ASCII);
            if (hash.isEmpty() || signer.isEmpty()) {
                return null;
            }
            return new RekorEvidence(hash, signer, payload.path("logIndex").asLong(-1));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The signer's public key, or null when the recorded PEM cannot be read. */
    PublicKey signerKey() {
        try {
            return Pem.keyOf(signerPem);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
