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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real keyless Sigstore bundles from sigstore-conformance (see {@code sigstore-conformance/README.md}) verified
 * offline: the DSSE happy path against the public-good trusted root (SET, inclusion proof and checkpoint, Fulcio
 * chain, identity); and the suite's failing cases — an inclusion proof for another entry, a signed entry timestamp
 * outside the certificate's validity (under the case's own trusted root).
 */
class KeylessBundleTest {
    private static final String BEACON = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
            + ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    private static final String ISSUER = "https://token.actions.githubusercontent.com";

    @TempDir
    Path dir;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = KeylessBundleTest.class.getResourceAsStream("/" + name)) {
            return in.readAllBytes();
        }
    }

    private Verification judge(String bundle, String root, String identity, String issuer) throws Exception {
        Path r = dir.resolve("root-" + root.hashCode() + ".json");
        Files.write(r, resource(root));
        var policy = new ImageSpec.Keyless(r, identity, null, issuer, null);
        byte[] artifact = resource("sigstore-conformance/a.txt");
        var found = new BundleJudge.Found(bundle, SigstoreBundle.parse(resource("sigstore-conformance/" + bundle)),
                null);
        return BundleJudge.judge(List.of(found), Digests.sha256(artifact), () -> artifact,
                new Trust.Keyless(policy, TrustedRoot.read(r)), null);
    }

    @Test
    void theKeylessDsseBundleVerifiesWithItsLogEntryProofAndIdentity() throws Exception {
        Verification v = judge("happy-path-intoto-in-dsse-v3.sigstore.json", "sigstore-trust/trusted_root_pgi.json",
                BEACON, ISSUER);
        assertThat(v.verified()).as(v.message()).isTrue();
        assertThat(v.message()).contains("(DSSE in-toto statement, predicate https://slsa.dev/provenance/v1) verifies"
                + " with keyless, " + BEACON + " (issuer " + ISSUER + ") (Fulcio CA sigstore, logged at"
                + " 2024-12-16T18:42:56Z),");
    }

    @Test
    void anotherIdentityIsRefused() throws Exception {
        Verification v = judge("happy-path-intoto-in-dsse-v3.sigstore.json", "sigstore-trust/trusted_root_pgi.json",
                "someone@example.com", ISSUER);
        assertThat(v.refusal()).isEqualTo(Refusal.WRONG_IDENTITY);
    }

    @Test
    void aChangedStatementIsNotTheLoggedOne() throws Exception {
        String json = new String(resource("sigstore-conformance/happy-path-intoto-in-dsse-v3.sigstore.json"),
                StandardCharsets.UTF_8);
        var parsed = SigstoreBundle.parse(json.getBytes(StandardCharsets.UTF_8));
        String payload = java.util.Base64.getEncoder().encodeToString(((SigstoreBundle.Dsse) parsed.content()).payload());
        String changedPayload = java.util.Base64.getEncoder().encodeToString(new String(
                ((SigstoreBundle.Dsse) parsed.content()).payload(), StandardCharsets.UTF_8)
                .replace("workflow_dispatch", "workflow_dispatcH").getBytes(StandardCharsets.UTF_8));
        assertThat(json).contains(payload);
        Files.writeString(dir.resolve("changed.json"), json.replace(payload, changedPayload));
        Path r = dir.resolve("pgi.json");
        Files.write(r, resource("sigstore-trust/trusted_root_pgi.json"));
        byte[] artifact = resource("sigstore-conformance/a.txt");
        var found = new BundleJudge.Found("changed", SigstoreBundle.parse(Files.readAllBytes(dir.resolve(
                "changed.json"))), null);
        Verification v = BundleJudge.judge(List.of(found), Digests.sha256(artifact), () -> artifact,
                new Trust.Keyless(new ImageSpec.Keyless(r, BEACON, null, ISSUER, null), TrustedRoot.read(r)), null);
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_TLOG);
        assertThat(v.message()).contains("is for another DSSE payload: the statement was changed after signing");
    }

    @Test
    void anInclusionProofForAnotherEntryIsRefused() throws Exception {
        Verification v = judge("invalid-inclusion-proof_fail.sigstore.json", "sigstore-trust/trusted_root_pgi.json",
                BEACON, ISSUER);
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_TLOG);
        assertThat(v.message()).contains("its inclusion proof does not lead to the root hash it gives");
    }

    @Test
    void aLogTimeOutsideTheCertificatesValidityIsRefused() throws Exception {
        Verification v = judge("intoto-set-outside-signing-cert-validity_fail.sigstore.json",
                "sigstore-conformance/intoto-set-outside-signing-cert-validity_fail.trusted_root.json", BEACON, ISSUER);
        assertThat(v.refusal()).isEqualTo(Refusal.UNTRUSTED_CERTIFICATE);
        assertThat(v.message()).contains("the certificate was valid 2023-02-01T00:00:00Z to 2023-02-01T00:10:00Z, but"
                + " the signature was logged at");
    }

    @Test
    void theMerkleAuditPathFollowsRfc9162() {
        byte[] a = KeylessBundleCheck.leafHash("a".getBytes(StandardCharsets.UTF_8));
        byte[] b = KeylessBundleCheck.leafHash("b".getBytes(StandardCharsets.UTF_8));
        byte[] c = KeylessBundleCheck.leafHash("c".getBytes(StandardCharsets.UTF_8));
        byte[] ab = node(a, b);
        byte[] root3 = node(ab, c);
        assertThat(KeylessBundleCheck.rootFromPath(2, 3, c, List.of(ab))).isEqualTo(root3);
        assertThat(KeylessBundleCheck.rootFromPath(0, 3, a, List.of(b, c))).isEqualTo(root3);
        assertThat(KeylessBundleCheck.rootFromPath(1, 3, b, List.of(a, c))).isEqualTo(root3);
        assertThat(KeylessBundleCheck.rootFromPath(1, 3, b, List.of(c, a))).isNotEqualTo(root3);
        assertThat(KeylessBundleCheck.rootFromPath(3, 3, c, List.of(ab))).isNull();
    }

    private static byte[] node(byte[] l, byte[] r) {
        try {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            md.update((byte) 1);
            md.update(l);
            md.update(r);
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
