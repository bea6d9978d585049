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
import java.util.LinkedHashSet;
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
    void anotherRepositoryInThePayloadIsAcceptedByDefaultAsInCosign() {
        Verification v = SignatureJudge.judge(List.of(new SignedLayer(payload, signature)), digest(), key,
                Set.of("127.0.0.1:5000/team/web"), "fixture", null);
        assertThat(v.verified()).as(v.message()).isTrue();
        assertThat(v.dockerReference()).isEqualTo(REPO);
        assertThat(v.message()).contains("signs " + digest() + " for " + REPO + "; that is another repository than"
                + " 127.0.0.1:5000/team/web, accepted because the signature binds the digest");
    }

    @Test
    void anotherRepositoryIsRefusedUnderExactAndItsMirrorsAreAllowed() {
        Verification v = SignatureJudge.judge(List.of(new SignedLayer(payload, signature)), digest(), key,
                ImageSpec.IdentityRepository.EXACT, Set.of("127.0.0.1:5000/team/web"), "fixture", null);
        assertThat(v.refusal()).isEqualTo(Refusal.OTHER_REPOSITORY);
        assertThat(v.message()).contains("names repository " + REPO + ", not 127.0.0.1:5000/team/web");
        Verification mirror = SignatureJudge.judge(List.of(new SignedLayer(payload, signature)), digest(), key,
                ImageSpec.IdentityRepository.EXACT, new LinkedHashSet<>(List.of("127.0.0.1:5000/team/web", REPO)),
                "fixture", null);
        assertThat(mirror.verified()).as(mirror.message()).isTrue();
        assertThat(mirror.message()).endsWith("for " + REPO);
    }

    @Test
    void aSignatureSplitOverLinesOrWithoutPaddingIsTheSameSignature() throws IOException {
        String split = signature.substring(0, 40) + "\n" + signature.substring(40, 76) + "\r\n " + signature.substring(76)
                + "\n";
        assertThat(judge(payload, split, key, digest()).verified()).isTrue();
        // The key-rekor fixture's signature is 71 bytes, so cosign wrote it with one '=' of padding.
        String padded = new String(resource("key-rekor/signature.b64"), StandardCharsets.US_ASCII);
        assertThat(padded).endsWith("=");
        Verification unpadded = SignatureJudge.judge(List.of(new SignedLayer(resource("key-rekor/payload.json"),
                padded.replace("=", ""))), Digests.sha256(resource("key-rekor/manifest.json")), otherKey,
                Set.of(REPO), "fixture", null);
        assertThat(unpadded.verified()).as(unpadded.message()).isTrue();
    }

    @Test
    void notBase64IsABadEncodingNotAnotherKey() {
        Verification v = judge(payload, signature.substring(0, 10) + "*" + signature.substring(11), key, digest());
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_ENCODING);
        assertThat(v.message()).isEqualTo("signature layer 0 of fixture is not base64: character '*' at position 10"
                + " is not base64");
        Verification notDer = judge(payload, java.util.Base64.getEncoder().encodeToString(new byte[64]), key,
                digest());
        assertThat(notDer.refusal()).isEqualTo(Refusal.BAD_ENCODING);
        assertThat(notDer.message()).contains("decodes from base64, but the bytes are not a ECDSA/SHA-256 (DER)"
                + " signature");
    }

    @Test
    void rekorEntryTellsAnotherKeyFromAChangedPayload() throws IOException {
        // Real cosign output signed with other-cosign.pub and logged in Rekor (see SOURCE.md, key-rekor/).
        byte[] p = resource("key-rekor/payload.json");
        String sig = new String(resource("key-rekor/signature.b64"), StandardCharsets.US_ASCII);
        String bundle = new String(resource("key-rekor/bundle.json"), StandardCharsets.UTF_8);
        String d = Digests.sha256(resource("key-rekor/manifest.json"));
        var annotations = java.util.Map.of(SignedLayer.BUNDLE_ANNOTATION, bundle);
        Verification ok = SignatureJudge.judge(List.of(new SignedLayer(p, sig, annotations)), d, otherKey,
                Set.of(REPO), "fixture", null);
        assertThat(ok.verified()).as(ok.message()).isTrue();

        Verification wrongKey = SignatureJudge.judge(List.of(new SignedLayer(p, sig, annotations)), d, key,
                Set.of(REPO), "fixture", null);
        assertThat(wrongKey.refusal()).isEqualTo(Refusal.WRONG_KEY);
        assertThat(wrongKey.message()).isEqualTo("signature layer 0 of fixture was signed with another key, "
                + SignatureJudge.fingerprint(otherKey) + " (as its Rekor entry 11608800 records), not "
                + SignatureJudge.fingerprint(key) + ": check that image.signature.publicKey is the signer's key");

        byte[] changed = new String(p, StandardCharsets.UTF_8).replace("key-1", "key-2")
                .getBytes(StandardCharsets.UTF_8);
        Verification tampered = SignatureJudge.judge(List.of(new SignedLayer(changed, sig, annotations)), d,
                otherKey, Set.of(REPO), "fixture", null);
        assertThat(tampered.refusal()).isEqualTo(Refusal.CHANGED_PAYLOAD);
        assertThat(tampered.message()).contains("its payload was changed after signing (SHA-256 "
                + Digests.sha256(changed).substring(7) + ", but Rekor entry 11608800 recorded 5f410774769a2edd");
    }

    @Test
    void aKeylessSignatureUnderAKeyPolicyIsNamedAsSuch() throws IOException {
        // Real keyless cosign output: Fulcio certificate for mitr@redhat.com (see SOURCE.md, keyless/).
        byte[] p = resource("keyless/payload.json");
        String sig = new String(resource("keyless/signature.b64"), StandardCharsets.US_ASCII);
        var annotations = java.util.Map.of(
                SignedLayer.CERTIFICATE_ANNOTATION, new String(resource("keyless/certificate.pem"),
                        StandardCharsets.US_ASCII),
                SignedLayer.BUNDLE_ANNOTATION, new String(resource("keyless/bundle.json"), StandardCharsets.UTF_8));
        Verification v = SignatureJudge.judge(List.of(new SignedLayer(p, sig, annotations)),
                Digests.sha256(resource("keyless/manifest.json")), key, Set.of(REPO), "fixture", null);
        assertThat(v.refusal()).isEqualTo(Refusal.KEYLESS);
        assertThat(v.message()).isEqualTo("signature layer 0 of fixture is a keyless signature (a Fulcio"
                + " certificate for mitr@redhat.com (issuer https://github.com/login/oauth)), but the policy trusts"
                + " the key " + SignatureJudge.fingerprint(key) + ": verify it by identity, or sign with the key");
    }

    @Test
    void rsaAndEd25519KeysVerifyWithCosignsSchemes() throws Exception {
        for (String[] scheme : new String[][] {{"RSA", "SHA256withRSA"}, {"Ed25519", "Ed25519"}}) {
            var pair = java.security.KeyPairGenerator.getInstance(scheme[0]).generateKeyPair();
            var s = java.security.Signature.getInstance(scheme[1]);
            s.initSign(pair.getPrivate());
            s.update(payload);
            String sig = java.util.Base64.getEncoder().encodeToString(s.sign());
            assertThat(judge(payload, sig, pair.getPublic(), digest()).verified()).as(scheme[0]).isTrue();
            byte[] changed = payload.clone();
            changed[3] ^= 1;
            assertThat(judge(changed, sig, pair.getPublic(), digest()).refusal()).as(scheme[0])
                    .isEqualTo(Refusal.BAD_SIGNATURE);
            assertThat(judge(payload, signature, pair.getPublic(), digest()).refusal())
                    .as(scheme[0] + " given an ECDSA signature").isIn(Refusal.BAD_SIGNATURE, Refusal.BAD_ENCODING);
        }
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
