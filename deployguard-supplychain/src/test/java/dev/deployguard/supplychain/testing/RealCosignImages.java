package dev.deployguard.supplychain.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test support: images signed by the real cosign binary (test data of containers/image, see
 * {@code cosign-real/SOURCE.md}) relocated into a local {@code docker-registry} under other repository paths than
 * the ones their signed payloads name, one path per scenario: the image manifest stored as cosign signed it, the
 * signature manifest pushed at {@code sha256-<hex>.sig} with cosign's layer annotations.
 */
public final class RealCosignImages {
    /** A real classic signature, key {@link #key}, payload naming 192.168.64.2:5000/cosign-signed-single-sample. */
    public static final String RELOCATED = "relocated/sample";
    /** As {@link #RELOCATED} but at the path the payload names, so that that host is a mirror of it. */
    public static final String ORIGINAL_PATH = "cosign-signed-single-sample";
    /** The payload's registry: listed as a mirror of {@link #ORIGINAL_PATH} under {@code identity.repository: exact}. */
    public static final String ORIGINAL_HOST = "192.168.64.2:5000";
    /** The real signature split over several base64 lines. */
    public static final String SPLIT = "relocated/split";
    /** A real signature logged in Rekor, made with {@link #otherKey}. */
    public static final String KEY_REKOR = "relocated/key-rekor";
    /** {@link #KEY_REKOR} with its payload changed after signing (the Rekor bundle kept). */
    public static final String CHANGED_PAYLOAD = "relocated/changed";
    /** A real keyless signature (Fulcio certificate for mitr@redhat.com). */
    public static final String KEYLESS = "relocated/keyless";
    /** The real signature with a character that is not base64. */
    public static final String BAD_ENCODING = "relocated/bad-encoding";
    /** Another image, to whose signature tag the real signature was copied. */
    public static final String COPIED = "relocated/copied";
    /** The image without a signature. */
    public static final String UNSIGNED = "relocated/unsigned";
    public static final String TAG = "v1";

    public final String host;
    /** The digest the classic fixture signs, and the one the Rekor and keyless fixtures sign. */
    public final String digest;
    public final String rekorDigest;
    public final String copiedDigest;
    public final Path key;
    public final Path otherKey;
    /** The public-good trusted root the keyless fixture was made under (sigstore-trust/README.md). */
    public final Path trustedRoot;

    private RealCosignImages(String host, String digest, String rekorDigest, String copiedDigest, Path key,
                             Path otherKey, Path trustedRoot) {
        this.trustedRoot = trustedRoot;
        this.host = host;
        this.digest = digest;
        this.rekorDigest = rekorDigest;
        this.copiedDigest = copiedDigest;
        this.key = key;
        this.otherKey = otherKey;
    }

    /** Stores every scenario in {@code registry} (tag {@link #TAG}) and writes the two keys into {@code dir}. */
    public static RealCosignImages storeIn(DockerRegistry registry, Path dir) throws Exception {
        String host = registry.host();
        byte[] manifest = resource("manifest.json");
        byte[] payload = resource("payload.json");
        String signature = text("signature.b64");
        String digest = null;
        for (String path : new String[] {RELOCATED, ORIGINAL_PATH, SPLIT, BAD_ENCODING, UNSIGNED}) {
            digest = registry.storeManifest(path, TAG, manifest);
        }
        pushSignature(host, RELOCATED, digest, payload, Map.of(SIGNATURE, signature));
        pushSignature(host, ORIGINAL_PATH, digest, payload, Map.of(SIGNATURE, signature));
        pushSignature(host, SPLIT, digest, payload, Map.of(SIGNATURE, signature.substring(0, 64) + "\n"
                + signature.substring(64) + "\n"));
        pushSignature(host, BAD_ENCODING, digest, payload, Map.of(SIGNATURE, signature.substring(0, 20) + "%"
                + signature.substring(21)));

        byte[] rekorManifest = resource("key-rekor/manifest.json");
        byte[] rekorPayload = resource("key-rekor/payload.json");
        Map<String, String> rekor = new LinkedHashMap<>();
        rekor.put(SIGNATURE, text("key-rekor/signature.b64"));
        rekor.put(BUNDLE, text("key-rekor/bundle.json"));
        String rekorDigest = null;
        for (String path : new String[] {KEY_REKOR, CHANGED_PAYLOAD, KEYLESS}) {
            rekorDigest = registry.storeManifest(path, TAG, rekorManifest);
        }
        pushSignature(host, KEY_REKOR, rekorDigest, rekorPayload, rekor);
        pushSignature(host, CHANGED_PAYLOAD, rekorDigest, new String(rekorPayload, StandardCharsets.UTF_8)
                .replace("cosign-signed/key-1", "cosign-signed/key-2").getBytes(StandardCharsets.UTF_8), rekor);
        Map<String, String> keyless = new LinkedHashMap<>();
        keyless.put(SIGNATURE, text("keyless/signature.b64"));
        keyless.put("dev.sigstore.cosign/certificate", text("keyless/certificate.pem"));
        keyless.put("dev.sigstore.cosign/chain", text("keyless/chain.pem"));
        keyless.put(BUNDLE, text("keyless/bundle.json"));
        pushSignature(host, KEYLESS, rekorDigest, resource("keyless/payload.json"), keyless);

        String copiedDigest = TestImages.push(host, COPIED, TAG, "another image\n");
        pushSignature(host, COPIED, copiedDigest, payload, Map.of(SIGNATURE, signature));

        Path key = dir.resolve("cosign.pub");
        Path otherKey = dir.resolve("other-cosign.pub");
        Files.createDirectories(dir);
        Files.write(key, resource("cosign.pub"));
        Files.write(otherKey, resource("other-cosign.pub"));
        Path trustedRoot = dir.resolve("trusted_root.json");
        try (InputStream in = RealCosignImages.class.getResourceAsStream("/sigstore-trust/trusted_root_pgi.json")) {
            Files.write(trustedRoot, in.readAllBytes());
        }
        return new RealCosignImages(host, digest, rekorDigest, copiedDigest, key, otherKey, trustedRoot);
    }

    private static final String SIGNATURE = "dev.cosignproject.cosign/signature";
    private static final String BUNDLE = "dev.sigstore.cosign/bundle";

    /** {@code host/path:TAG}. */
    public String reference(String path) {
        return host + "/" + path + ":" + TAG;
    }

    /** Pushes a one-layer signature manifest as cosign writes it (payload layer with these annotations). */
    public static void pushSignature(String host, String path, String digest, byte[] payload,
                                     Map<String, String> annotations) throws Exception {
        byte[] config = "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        ObjectNode m = Json.mapper().createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        ObjectNode c = m.putObject("config");
        c.put("mediaType", "application/vnd.oci.image.config.v1+json");
        c.put("size", config.length);
        c.put("digest", OciPush.blob(host, path, config));
        ArrayNode layers = m.putArray("layers");
        ObjectNode layer = layers.addObject();
        layer.put("mediaType", "application/vnd.dev.cosign.simplesigning.v1+json");
        layer.put("size", payload.length);
        layer.put("digest", OciPush.blob(host, path, payload));
        ObjectNode a = layer.putObject("annotations");
        annotations.forEach(a::put);
        OciPush.manifest(host, path, Digests.signatureTag(digest), "application/vnd.oci.image.manifest.v1+json",
                Json.mapper().writeValueAsBytes(m));
    }

    public static byte[] resource(String name) {
        try (InputStream in = RealCosignImages.class.getResourceAsStream("/cosign-real/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource cosign-real/" + name + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(String name) {
        return new String(resource(name), StandardCharsets.UTF_8);
    }
}
