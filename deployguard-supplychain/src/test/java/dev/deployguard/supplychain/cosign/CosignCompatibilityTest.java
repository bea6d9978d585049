package dev.deployguard.supplychain.cosign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real cosign output (a key, payload and signature made by {@code cosign sign --key}, published as test data of
 * containers/image; see {@code src/test/resources/cosign-real/SOURCE.md}) verifies with DeployGuard's JDK-only
 * verifier, and any one changed byte makes it fail.
 */
class CosignCompatibilityTest {
    private static final String REPO = "192.168.64.2:5000/cosign-signed-single-sample";

    @TempDir
    Path dir;
    byte[] payload;
    String signature;
    byte[] manifest;
    PublicKey key;
    PublicKey otherKey;

    @BeforeEach
    void load() throws IOException {
        payload = resource("payload.json");
        signature = new String(resource("signature.b64"), StandardCharsets.US_ASCII).strip();
        manifest = resource("manifest.json");
        key = key("cosign.pub");
        otherKey = key("other-cosign.pub");
    }

    private byte[] resource(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/cosign-real/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Reads the key file through the same path the spec uses. */
    private PublicKey key(String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, resource(name));
        return new ImageSpec.Signature(file, true).readKey();
    }

    private String digest() {
        return Digests.sha256(manifest);
    }

    private Verification judge(byte[] p, String sig, PublicKey k, String digest) {
        return SignatureJudge.judge(List.of(new SignedLayer(p, sig)), digest, k, Set.of(REPO), "fixture", null);
    }

    @Test
    void theManifestIsTheImageThePayloadNames() {
        assertThat(new String(payload, StandardCharsets.UTF_8)).contains("\"docker-manifest-digest\":\"" + digest());
    }

    @Test
    void realCosignSignatureVerifies() {
        Verification v = judge(payload, signature, key, digest());
        assertThat(v.verified()).as(v.message()).isTrue();
        assertThat(v.dockerReference()).isEqualTo(REPO);
        assertThat(v.message()).contains("signs " + digest() + " for " + REPO);
    }

    @Test
    void everySingleChangedPayloadByteIsRefused() {
        for (int i = 0; i < payload.length; i++) {
            byte[] tampered = payload.clone();
            tampered[i] ^= 0x01;
            Verification v = judge(tampered, signature, key, digest());
            assertThat(v.verified()).as("byte %d changed", i).isFalse();
            assertThat(v.refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
        }
    }

    @Test
    void aChangedSignatureByteIsRefused() {
        byte[] der = java.util.Base64.getDecoder().decode(signature);
        der[der.length - 1] ^= 0x01;
        Verification v = judge(payload, java.util.Base64.getEncoder().encodeToString(der), key, digest());
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
        assertThat(v.message()).contains("none of the 1 signature(s) in fixture verifies with key SHA256:");
    }

    @Test
    void anotherKeyIsRefused() {
        assertThat(judge(payload, signature, otherKey, digest()).refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
    }

    @Test
    void theSignatureDoesNotVouchForAnotherDigest() {
        String other = Digests.sha256("another image".getBytes(StandardCharsets.UTF_8));
        Verification v = judge(payload, signature, key, other);
        assertThat(v.refusal()).isEqualTo(Refusal.OTHER_DIGEST);
        assertThat(v.message()).contains("signs another image, " + digest() + ", not " + other);
    }

    @Test
    void theSignatureDoesNotVouchForAnotherRepository() {
        Verification v = SignatureJudge.judge(List.of(new SignedLayer(payload, signature)), digest(), key,
                Set.of("127.0.0.1:5000/team/web"), "fixture", null);
        assertThat(v.refusal()).isEqualTo(Refusal.OTHER_REPOSITORY);
        assertThat(v.message()).contains("names repository " + REPO + ", not 127.0.0.1:5000/team/web");
    }

    @Test
    void anyVerifyingLayerIsEnoughAsInCosign() {
        Verification v = SignatureJudge.judge(List.of(new SignedLayer(payload, null),
                        new SignedLayer("{}".getBytes(StandardCharsets.UTF_8), signature),
                        new SignedLayer(payload, signature)), digest(), key, Set.of(REPO), "fixture", null);
        assertThat(v.verified()).isTrue();
        assertThat(v.message()).startsWith("signature layer 2 of fixture");
    }

    @Test
    void noSignedLayerIsMissing() {
        Verification v = SignatureJudge.judge(List.of(new SignedLayer(payload, null)), digest(), key, Set.of(REPO),
                "fixture", null);
        assertThat(v.refusal()).isEqualTo(Refusal.MISSING);
    }
}
