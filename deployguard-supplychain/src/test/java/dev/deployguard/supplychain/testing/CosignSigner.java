package dev.deployguard.supplychain.testing;

import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Test support: signs images the way {@code cosign sign --key} does in its classic layout, with a generated ECDSA
 * P-256 key: a simple-signing payload per signature, pushed as a layer of an OCI manifest at tag
 * {@code sha256-<hex>.sig}, the base64 DER signature in the layer annotation {@code dev.cosignproject.cosign/signature}.
 * The parts are exposed so tests can write tampered variants.
 */
public final class CosignSigner {
    private final KeyPair keys;

    public CosignSigner() {
        try {
            var gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            this.keys = gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the public key as cosign writes {@code cosign.pub}; returns the file. */
    public Path writePublicKey(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(
                StandardCharsets.US_ASCII)).encodeToString(keys.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        return file;
    }

    public java.security.PublicKey publicKey() {
        return keys.getPublic();
    }

    /** The simple-signing payload cosign signs, byte for byte in cosign's field order. */
    public static byte[] payload(String dockerReference, String digest) {
        return ("{\"critical\":{\"identity\":{\"docker-reference\":\"" + dockerReference + "\"},\"image\":{"
                + "\"docker-manifest-digest\":\"" + digest + "\"},\"type\":\"cosign container image signature\"},"
                + "\"optional\":null}").getBytes(StandardCharsets.UTF_8);
    }

    /** Base64 of the DER ECDSA P-256/SHA-256 signature over {@code payload}. */
    public String sign(byte[] payload) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(keys.getPrivate());
            s.update(payload);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One layer of a signature manifest. */
    public record Layer(byte[] payload, String signature) {
    }

    /** Signs {@code host/path@digest} as cosign does and pushes the signature. */
    public void signAndPush(String host, String path, String digest) throws Exception {
        byte[] payload = payload(host + "/" + path, digest);
        push(host, path, digest, List.of(new Layer(payload, sign(payload))));
    }

    /** Pushes a signature manifest with these layers to {@code sha256-<hex>.sig} of {@code digest}. */
    public static void push(String host, String path, String digest, List<Layer> layers) throws Exception {
        byte[] config = "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = OciPush.blob(host, path, config);
        List<String> descriptors = new ArrayList<>();
        for (Layer l : layers) {
            String d = OciPush.blob(host, path, l.payload());
            descriptors.add("{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":"
                    + l.payload().length + ",\"digest\":\"" + d + "\""
                    + (l.signature() == null ? "" : ",\"annotations\":{\"dev.cosignproject.cosign/signature\":\""
                    + l.signature() + "\"}") + "}");
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + configDigest + "\"},\"layers\":[" + String.join(",", descriptors) + "]}";
        OciPush.manifest(host, path, Digests.signatureTag(digest), "application/vnd.oci.image.manifest.v1+json",
                manifest.getBytes(StandardCharsets.UTF_8));
    }
}
