package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A Sigstore bundle (media types {@code application/vnd.dev.sigstore.bundle.v0.3+json} and the
 * {@code +json;version=0.x} forms), as cosign 3 attaches it to an image: the signed content — a message signature
 * over the image manifest, or a DSSE envelope of an in-toto statement whose subject is the image digest — and the
 * verification material (a public-key hint, or a Fulcio certificate for a keyless signature).
 *
 * @param mediaType    the bundle's own media type
 * @param content      what was signed
 * @param certificate  the DER signing certificate of a keyless bundle, or null for a keyed one
 * @param keyHint      the public-key hint of a keyed bundle, or null
 * @param tlogEntries  how many transparency-log entries the bundle carries
 * @param json         the bundle as read (its transparency-log entries, for keyless verification)
 */
public record SigstoreBundle(String mediaType, Content content, byte[] certificate, String keyHint,
                             int tlogEntries, JsonNode json) {
    /** The payload type of an in-toto statement in a DSSE envelope. */
    public static final String IN_TOTO = "application/vnd.in-toto+json";

    /** What a bundle signs. */
    public sealed interface Content permits MessageSignature, Dsse {
    }

    /** A signature over the artifact's bytes (here: the image manifest), with the artifact's digest. */
    public record MessageSignature(String digestAlgorithm, byte[] digest, byte[] signature) implements Content {
    }

    /** A DSSE envelope: the signatures are over the pre-authentication encoding of the type and payload. */
    public record Dsse(String payloadType, byte[] payload, List<byte[]> signatures) implements Content {
        public Dsse {
            signatures = List.copyOf(signatures);
        }

        /** DSSE v1 pre-authentication encoding: {@code DSSEv1 SP len(type) SP type SP len(body) SP body}. */
        public byte[] pae() {
            byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
            byte[] head = ("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[head.length + payload.length];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(payload, 0, out, head.length, payload.length);
            return out;
        }
    }

    /** A bundle that cannot be read, with what is wrong. */
    public static final class MalformedBundle extends Exception {
        MalformedBundle(String message) {
            super(message);
        }
    }

    /** Whether a media type names a Sigstore bundle. */
    public static boolean isBundleMediaType(String mediaType) {
        return mediaType != null && mediaType.startsWith("application/vnd.dev.sigstore.bundle");
    }

    public static SigstoreBundle parse(byte[] json) throws MalformedBundle {
        JsonNode b;
        try {
            b = Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new MalformedBundle("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (b == null || !b.isObject()) {
            throw new MalformedBundle("not a JSON object");
        }
        String mediaType = b.path("mediaType").asText("");
        if (!isBundleMediaType(mediaType)) {
            throw new MalformedBundle("mediaType '" + mediaType + "' is not a Sigstore bundle's");
        }
        JsonNode material = b.path("verificationMaterial");
        byte[] certificate = null;
        if (material.has("certificate")) {
            certificate = base64(material.path("certificate").path("rawBytes"), "certificate.rawBytes");
        } else if (material.has("x509CertificateChain")) {
            JsonNode certs = material.path("x509CertificateChain").path("certificates");
            if (!certs.isArray() || certs.isEmpty()) {
                throw new MalformedBundle("x509CertificateChain has no certificate");
            }
            certificate = base64(certs.get(0).path("rawBytes"), "x509CertificateChain.certificates[0]");
        }
        String hint = material.path("publicKey").path("hint").asText(null);
        Content content;
        if (b.has("messageSignature")) {
            JsonNode m = b.path("messageSignature");
            content = new MessageSignature(m.path("messageDigest").path("algorithm").asText(""),
                    base64(m.path("messageDigest").path("digest"), "messageSignature.messageDigest.digest"),
                    base64(m.path("signature"), "messageSignature.signature"));
        } else if (b.has("dsseEnvelope")) {
            JsonNode d = b.path("dsseEnvelope");
            List<byte[]> sigs = new ArrayList<>();
            for (JsonNode s : d.path("signatures")) {
                sigs.add(base64(s.path("sig"), "dsseEnvelope.signatures[].sig"));
            }
            if (sigs.isEmpty()) {
                throw new MalformedBundle("dsseEnvelope has no signature");
            }
            content = new Dsse(d.path("payloadType").asText(""), base64(d.path("payload"), "dsseEnvelope.payload"),
                    sigs);
        } else {
            throw new MalformedBundle("neither messageSignature nor dsseEnvelope");
        }
        return new SigstoreBundle(mediaType, content, certificate, hint, material.path("tlogEntries").size(), b);
    }

    private static byte[] base64(JsonNode node, String field) throws MalformedBundle {
        if (!node.isTextual() || node.asText().isEmpty()) {
            throw new MalformedBundle(field + " is missing");
        }
        try {
            return SignatureEncoding.decode(node.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedBundle(field + " is not base64: " + e.getMessage());
        }
    }
}
