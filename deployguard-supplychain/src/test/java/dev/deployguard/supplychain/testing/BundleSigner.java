package dev.deployguard.supplychain.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.registry.Digests;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Test support: attaches Sigstore bundles to images as cosign 3's {@code cosign sign --key} does (cosign
 * {@code pkg/oci/remote/write.go}, {@code WriteAttestationNewBundleFormat} and {@code WriteReferrer}): a bundle v0.3
 * whose DSSE envelope holds an in-toto statement (predicate {@code https://sigstore.dev/cosign/sign/v1}) naming the
 * digest, pushed as the one layer of a referrer manifest whose {@code subject} is the image; for registries without
 * the referrers API the referrer is listed in the image index at tag {@code sha256-<hex>}, as go-containerregistry
 * does. The parts are exposed so tests can attach tampered variants.
 */
public final class BundleSigner {
    public static final String BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private BundleSigner() {
    }

    /** The in-toto statement cosign 3 signs for an image. */
    public static byte[] statement(String name, String digest) {
        return ("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"" + name + "\",\"digest\":{"
                + "\"sha256\":\"" + digest.substring("sha256:".length()) + "\"}}],\"predicateType\":"
                + "\"https://sigstore.dev/cosign/sign/v1\",\"predicate\":{}}").getBytes(StandardCharsets.UTF_8);
    }

    /** DSSE v1 pre-authentication encoding. */
    public static byte[] pae(String type, byte[] payload) {
        byte[] head = ("DSSEv1 " + type.getBytes(StandardCharsets.UTF_8).length + " " + type + " " + payload.length
                + " ").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + payload.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(payload, 0, out, head.length, payload.length);
        return out;
    }

    /** A keyed bundle with a DSSE envelope over {@code statement}, signed by {@code signer}. */
    public static byte[] dsseBundle(CosignSigner signer, byte[] statement) {
        return dsseBundle(signer, statement, statement);
    }

    /** As {@link #dsseBundle(CosignSigner, byte[])}, but the envelope carries {@code shipped} (a changed payload). */
    public static byte[] dsseBundle(CosignSigner signer, byte[] signed, byte[] shipped) {
        String sig = signer.sign(pae("application/vnd.in-toto+json", signed));
        ObjectNode b = keyed(signer);
        ObjectNode env = b.putObject("dsseEnvelope");
        env.put("payload", Base64.getEncoder().encodeToString(shipped));
        env.put("payloadType", "application/vnd.in-toto+json");
        env.putArray("signatures").addObject().put("sig", sig);
        return bytes(b);
    }

    /** A keyed bundle with a message signature over the manifest bytes. */
    public static byte[] messageBundle(CosignSigner signer, byte[] manifest) {
        ObjectNode b = keyed(signer);
        ObjectNode m = b.putObject("messageSignature");
        ObjectNode d = m.putObject("messageDigest");
        d.put("algorithm", "SHA2_256");
        d.put("digest", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(Digests.sha256(manifest)
                .substring(7))));
        m.put("signature", signer.sign(manifest));
        return bytes(b);
    }

    private static ObjectNode keyed(CosignSigner signer) {
        ObjectNode b = Json.mapper().createObjectNode();
        b.put("mediaType", BUNDLE_MEDIA_TYPE);
        b.putObject("verificationMaterial").putObject("publicKey").put("hint", Base64.getEncoder().encodeToString(
                HexFormat.of().parseHex(Digests.sha256(signer.publicKey().getEncoded()).substring(7))));
        return b;
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return Json.mapper().writeValueAsBytes(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Pushes a referrer manifest carrying {@code bundle} whose subject is {@code subjectDigest} (a manifest of
     * {@code subjectSize} bytes); returns the referrer's index entry (JSON) for a referrers index.
     */
    public static String attach(String host, String path, String subjectDigest, String subjectMediaType,
                                long subjectSize, byte[] bundle) throws Exception {
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        String emptyDigest = OciPush.blob(host, path, empty);
        String bundleDigest = OciPush.blob(host, path, bundle);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"artifactType\":\""
                + BUNDLE_MEDIA_TYPE + "\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\","
                + "\"digest\":\"" + emptyDigest + "\",\"size\":2},\"layers\":[{\"mediaType\":\"" + BUNDLE_MEDIA_TYPE
                + "\",\"digest\":\"" + bundleDigest + "\",\"size\":" + bundle.length + "}],\"subject\":{\"mediaType\":\""
                + subjectMediaType + "\",\"digest\":\"" + subjectDigest + "\",\"size\":" + subjectSize + "},"
                + "\"annotations\":{\"dev.sigstore.bundle.content\":\"dsse-envelope\","
                + "\"dev.sigstore.bundle.predicateType\":\"https://sigstore.dev/cosign/sign/v1\"}}";
        byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
        String digest = OciPush.manifest(host, path, Digests.sha256(bytes), OCI_MANIFEST, bytes);
        return "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":" + bytes.length
                + ",\"artifactType\":\"" + BUNDLE_MEDIA_TYPE + "\"}";
    }

    /** Writes the referrers tag {@code sha256-<hex>} of {@code subjectDigest}: an image index of these entries. */
    public static void writeReferrersTag(String host, String path, String subjectDigest, String... entries)
            throws Exception {
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + String.join(",", entries) + "]}";
        OciPush.manifest(host, path, subjectDigest.replace(':', '-'), "application/vnd.oci.image.index.v1+json",
                index.getBytes(StandardCharsets.UTF_8));
    }

    /** The referrers index the OCI referrers API answers with. */
    public static String referrersIndex(String... entries) {
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + String.join(",", entries) + "]}";
    }
}
