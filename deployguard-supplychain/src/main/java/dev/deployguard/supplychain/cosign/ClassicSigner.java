package dev.deployguard.supplychain.cosign;

import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import dev.deployguard.supplychain.registry.RegistryUpload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Signs an image digest in cosign's classic layout, as {@code cosign sign --key --tlog-upload=false} does with the
 * key: the simple-signing payload (cosign's field order), signed with SHA-256 (ECDSA with a DER signature, RSA PKCS#1
 * v1.5, or Ed25519 over the payload), one layer of an OCI manifest at tag {@code sha256-<hex>.sig} with the base64
 * signature in the layer annotation {@code dev.cosignproject.cosign/signature}. The key is an unencrypted PKCS#8 PEM
 * ({@code openssl genpkey}); cosign's encrypted {@code cosign.key} is not read. An existing signature manifest at
 * the tag is replaced.
 */
public final class ClassicSigner {
    static final String SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
    private final PrivateKey key;

    public ClassicSigner(PrivateKey key) {
        this.key = key;
    }

    /**
     * Reads a PKCS#8 PEM private key (EC, RSA or Ed25519).
     *
     * @throws IllegalArgumentException naming the file (never its content) when it is not such a key
     */
    public static ClassicSigner fromPem(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the signing key " + file + ": " + e.getMessage());
        }
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(file + " is not an unencrypted PKCS#8 private key (BEGIN PRIVATE KEY);"
                    + " make one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + file);
        }
        String b64 = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27, text.indexOf("-----END"))
                .replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " is not base64 PEM");
        }
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return new ClassicSigner(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
            } catch (GeneralSecurityException e) {
                // try the next kind
            }
        }
        throw new IllegalArgumentException(file + " holds no EC, RSA or Ed25519 private key");
    }

    /** The simple-signing payload cosign signs, byte for byte in cosign's field order. */
    public static byte[] payload(String dockerReference, String digest) {
        return ("{\"critical\":{\"identity\":{\"docker-reference\":\"" + dockerReference + "\"},\"image\":{"
                + "\"docker-manifest-digest\":\"" + digest + "\"},\"type\":\"cosign container image signature\"},"
                + "\"optional\":null}").getBytes(StandardCharsets.UTF_8);
    }

    /** Base64 of the signature over {@code payload}. */
    public String sign(byte[] payload) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> "Ed25519";
        };
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(payload);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the " + key.getAlgorithm() + " key: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Signs {@code host/path@digest} and pushes the signature; returns the signature's tag reference.
     */
    public String signAndPush(RegistryClient client, String host, String path, String digest)
            throws RegistryException {
        byte[] payload = payload(host + "/" + path, digest);
        String signature = sign(payload);
        RegistryUpload upload = new RegistryUpload(client);
        byte[] config = ("{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = upload.blob(host, path, config);
        String payloadDigest = upload.blob(host, path, payload);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + configDigest + "\"},\"layers\":[{\"mediaType\":\"" + SIMPLE_SIGNING
                + "\",\"size\":" + payload.length + ",\"digest\":\"" + payloadDigest + "\",\"annotations\":{"
                + "\"dev.cosignproject.cosign/signature\":\"" + signature + "\"}}]}";
        String tag = Digests.signatureTag(digest);
        upload.manifest(host, path, tag, RegistryClient.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        return host + "/" + path + ":" + tag;
    }
}
