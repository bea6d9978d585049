package dev.deployguard.supplychain.cosign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Sigstore bundles from the sigstore-conformance suite (see {@code sigstore-conformance/README.md}): a keyed
 * message-signature bundle verifies with its key over its artifact and is refused with precise reasons otherwise; a
 * keyless DSSE bundle is named as keyless under a key policy, and its DSSE signature checks out with the
 * certificate's key (the pre-authentication encoding is right), a tampered one does not.
 */
class BundleJudgeTest {
    @TempDir
    Path dir;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundleJudgeTest.class.getResourceAsStream("/" + name)) {
            return in.readAllBytes();
        }
    }

    private PublicKey key(String resource) throws IOException {
        Path f = dir.resolve("k" + resource.hashCode() + ".pub");
        Files.write(f, resource(resource));
        return new ImageSpec.Signature(f, true).readKey();
    }

    private static BundleJudge.Found found(String name) throws Exception {
        return new BundleJudge.Found(name, SigstoreBundle.parse(resource("sigstore-conformance/" + name)), null);
    }

    private static Verification judge(BundleJudge.Found f, String digest, PublicKey key) throws IOException {
        byte[] artifact = resource("sigstore-conformance/a.txt");
        return BundleJudge.judge(List.of(f), digest, () -> artifact, key, null);
    }

    @Test
    void aKeyedMessageSignatureBundleVerifiesWithItsKey() throws Exception {
        String digest = Digests.sha256(resource("sigstore-conformance/a.txt"));
        Verification v = judge(found("managed-key-happy-path.sigstore.json"), digest,
                key("sigstore-conformance/managed-key.pub"));
        assertThat(v.verified()).as(v.message()).isTrue();
        assertThat(v.message()).isEqualTo("the Sigstore bundle managed-key-happy-path.sigstore.json (message signature"
                + " over the manifest) verifies with key " + SignatureJudge.fingerprint(key(
                "sigstore-conformance/managed-key.pub")) + " and signs " + digest + "; 1 transparency-log entry (not"
                + " verified: no trusted root)");
    }

    @Test
    void anotherKeyIsToldByTheKeyHint() throws Exception {
        String digest = Digests.sha256(resource("sigstore-conformance/a.txt"));
        Verification v = judge(found("managed-key-happy-path.sigstore.json"), digest, key("cosign-real/cosign.pub"));
        assertThat(v.refusal()).isEqualTo(Refusal.WRONG_KEY);
        assertThat(v.message()).contains("was signed with another key (its key hint is not the SHA-256 of");
    }

    @Test
    void anotherDigestIsRefused() throws Exception {
        String other = Digests.sha256("another manifest".getBytes(StandardCharsets.UTF_8));
        Verification v = judge(found("managed-key-happy-path.sigstore.json"), other,
                key("sigstore-conformance/managed-key.pub"));
        assertThat(v.refusal()).isEqualTo(Refusal.OTHER_DIGEST);
        assertThat(v.message()).contains("signs another image, sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb"
                + "190a30d56efa01bf, not " + other);
    }

    @Test
    void aChangedSignatureWithTheRightKeyHintIsSaidToBeChanged() throws Exception {
        String json = new String(resource("sigstore-conformance/managed-key-happy-path.sigstore.json"),
                StandardCharsets.UTF_8);
        String tampered = json.replace("\"signature\":\"MEUCIQCA", "\"signature\":\"MEUCIQCB");
        assertThat(tampered).isNotEqualTo(json);
        var f = new BundleJudge.Found("tampered", SigstoreBundle.parse(tampered.getBytes(StandardCharsets.UTF_8)), null);
        Verification v = judge(f, Digests.sha256(resource("sigstore-conformance/a.txt")),
                key("sigstore-conformance/managed-key.pub"));
        assertThat(v.refusal()).isEqualTo(Refusal.CHANGED_PAYLOAD);
        assertThat(v.message()).contains("names key").contains("its signature was changed after signing");
    }

    @Test
    void aKeylessDsseBundleIsNamedAsKeylessUnderAKeyPolicy() throws Exception {
        Verification v = judge(found("happy-path-intoto-in-dsse-v3.sigstore.json"),
                Digests.sha256(resource("sigstore-conformance/a.txt")), key("cosign-real/cosign.pub"));
        assertThat(v.refusal()).isEqualTo(Refusal.KEYLESS);
        assertThat(v.message()).contains("is a keyless signature (a Fulcio certificate for ").contains("(issuer ");
    }

    @Test
    void theDsseEncodingVerifiesRealSigstoreOutputAndATamperedSignatureDoesNot() throws Exception {
        SigstoreBundle good = SigstoreBundle.parse(resource("sigstore-conformance/happy-path-intoto-in-dsse-v3.sigstore.json"));
        assertThat(BundleJudge.verifyDsse((SigstoreBundle.Dsse) good.content(), certificateKey(good)))
                .isEqualTo(KeySignatures.Result.VERIFIES);
        SigstoreBundle bad = SigstoreBundle.parse(resource("sigstore-conformance/dsse-invalid-sig_fail.sigstore.json"));
        assertThat(BundleJudge.verifyDsse((SigstoreBundle.Dsse) bad.content(), certificateKey(bad)))
                .isNotEqualTo(KeySignatures.Result.VERIFIES);
    }

    @Test
    void anUnreadableBundleSaysWhy() {
        assertThatThrownBy(() -> SigstoreBundle.parse("{\"mediaType\":\"text/plain\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("mediaType 'text/plain' is not a Sigstore bundle's");
        Verification v = BundleJudge.judge(List.of(new BundleJudge.Found("x", null, "not JSON")), "sha256:00",
                () -> new byte[0], new CosignKeys().key, null);
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_ENCODING);
        assertThat(v.message()).isEqualTo("the Sigstore bundle x cannot be read: not JSON");
    }

    private static PublicKey certificateKey(SigstoreBundle b) throws Exception {
        return ((X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(b.certificate()))).getPublicKey();
    }

    /** A generated key, for cases where any key will do. */
    private static final class CosignKeys {
        final PublicKey key;

        CosignKeys() {
            try {
                var g = java.security.KeyPairGenerator.getInstance("EC");
                g.initialize(256);
                key = g.generateKeyPair().getPublic();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aKeyedBundleIsRefusedWhenThePolicyRequiresTheTransparencyLog() throws Exception {
        Path root = dir.resolve("pgi.json");
        Files.write(root, resource("sigstore-trust/trusted_root_pgi.json"));
        byte[] artifact = resource("sigstore-conformance/a.txt");
        Verification v = BundleJudge.judge(List.of(found("managed-key-happy-path.sigstore.json")),
                Digests.sha256(artifact), () -> artifact, new Trust.Key(key("sigstore-conformance/managed-key.pub"),
                        TrustedRoot.read(root)), null);
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_TLOG);
        assertThat(v.message()).contains("signature.transparencyLog requires a verified log entry");
    }
}
