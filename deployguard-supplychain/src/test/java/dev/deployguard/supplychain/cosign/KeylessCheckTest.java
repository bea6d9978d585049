package dev.deployguard.supplychain.cosign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real keyless cosign signature (classic layout, Fulcio certificate for mitr@redhat.com, logged in the public-good
 * Rekor in January 2023; see {@code cosign-real/SOURCE.md}) verified offline against the public-good trusted root
 * (see {@code sigstore-trust/README.md}): accepted for its identity, refused for another identity or issuer, a changed
 * payload, a changed log time, a log or CA the trusted root does not vouch for, and — with a private log key that
 * re-signs the entry — a certificate that was not valid at the logged time.
 */
class KeylessCheckTest {
    private static final String REPO = "192.168.64.2:5000/cosign-signed/fulcio-rekor-1";

    @TempDir
    Path dir;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = KeylessCheckTest.class.getResourceAsStream("/" + name)) {
            return in.readAllBytes();
        }
    }

    private static String text(String name) throws IOException {
        return new String(resource(name), StandardCharsets.UTF_8);
    }

    private static String digest() throws IOException {
        return Digests.sha256(resource("cosign-real/keyless/manifest.json"));
    }

    private static SignedLayer layer(byte[] payload, String bundle) throws IOException {
        return new SignedLayer(payload, text("cosign-real/keyless/signature.b64"), Map.of(
                SignedLayer.CERTIFICATE_ANNOTATION, text("cosign-real/keyless/certificate.pem"),
                "dev.sigstore.cosign/chain", text("cosign-real/keyless/chain.pem"),
                SignedLayer.BUNDLE_ANNOTATION, bundle));
    }

    private static SignedLayer layer() throws IOException {
        return layer(resource("cosign-real/keyless/payload.json"), text("cosign-real/keyless/bundle.json"));
    }

    private Path root(String json) throws IOException {
        Path f = dir.resolve("trusted_root" + json.hashCode() + ".json");
        Files.writeString(f, json);
        return f;
    }

    private Verification judge(SignedLayer layer, Path root, String identity, String identityRegexp, String issuer)
            throws IOException {
        var policy = new ImageSpec.Keyless(root, identity, identityRegexp, issuer, null);
        return SignatureJudge.judge(List.of(layer), digest(), new Trust.Keyless(policy, TrustedRoot.read(root)),
                ImageSpec.IdentityRepository.ANY, Set.of(REPO), "fixture", null);
    }

    private Path publicGood() throws IOException {
        return root(text("sigstore-trust/trusted_root_pgi.json"));
    }

    @Test
    void theRealKeylessSignatureVerifiesForItsIdentityExactOrByRegexp() throws IOException {
        Verification v = judge(layer(), publicGood(), "mitr@redhat.com", null, "https://github.com/login/oauth");
        assertThat(v.verified()).as(v.message()).isTrue();
        assertThat(v.message()).isEqualTo("signature layer 0 of fixture verifies with keyless, mitr@redhat.com"
                + " (issuer https://github.com/login/oauth) (Fulcio CA sigstore, logged at 2023-01-20T20:51:33Z), and"
                + " signs " + digest() + " for " + REPO);
        assertThat(judge(layer(), publicGood(), null, ".*@redhat\\.com", "https://github.com/login/oauth").verified())
                .isTrue();
    }

    @Test
    void anotherIdentityOrIssuerIsRefused() throws IOException {
        Verification other = judge(layer(), publicGood(), "someone@example.com", null, "https://github.com/login/oauth");
        assertThat(other.refusal()).isEqualTo(Refusal.WRONG_IDENTITY);
        assertThat(other.message()).isEqualTo("signature layer 0 of fixture is signed by mitr@redhat.com (issuer"
                + " https://github.com/login/oauth), not by the required identity someone@example.com, issuer"
                + " https://github.com/login/oauth");
        assertThat(judge(layer(), publicGood(), null, "mitr@redhat", "https://github.com/login/oauth").refusal())
                .as("a regexp must match the whole identity").isEqualTo(Refusal.WRONG_IDENTITY);
        assertThat(judge(layer(), publicGood(), "mitr@redhat.com", null, "https://accounts.google.com").refusal())
                .isEqualTo(Refusal.WRONG_IDENTITY);
    }

    @Test
    void aChangedPayloadIsToldByTheLoggedHash() throws IOException {
        byte[] changed = text("cosign-real/keyless/payload.json").replace("fulcio-rekor-1", "fulcio-rekor-2")
                .getBytes(StandardCharsets.UTF_8);
        Verification v = judge(layer(changed, text("cosign-real/keyless/bundle.json")), publicGood(),
                "mitr@redhat.com", null, "https://github.com/login/oauth");
        assertThat(v.refusal()).isEqualTo(Refusal.CHANGED_PAYLOAD);
    }

    @Test
    void aChangedLogTimeBreaksTheSignedEntryTimestamp() throws IOException {
        String bundle = text("cosign-real/keyless/bundle.json").replace("\"integratedTime\":1674247893",
                "\"integratedTime\":1674247900");
        assertThat(bundle).isNotEqualTo(text("cosign-real/keyless/bundle.json"));
        Verification v = judge(layer(resource("cosign-real/keyless/payload.json"), bundle), publicGood(),
                "mitr@redhat.com", null, "https://github.com/login/oauth");
        assertThat(v.refusal()).isEqualTo(Refusal.BAD_TLOG);
        assertThat(v.message()).contains("the Rekor signed entry timestamp does not verify with the log key");
    }

    @Test
    void aLogOrACertificateAuthorityTheTrustedRootDoesNotVouchForIsRefused() throws IOException {
        ObjectNode noLog = (ObjectNode) Json.mapper().readTree(text("sigstore-trust/trusted_root_pgi.json"));
        ((ObjectNode) noLog.withArray("tlogs").get(0).path("logId")).put("keyId",
                Base64.getEncoder().encodeToString(new byte[32]));
        Verification unknownLog = judge(layer(), root(noLog.toString()), "mitr@redhat.com", null,
                "https://github.com/login/oauth");
        assertThat(unknownLog.refusal()).isEqualTo(Refusal.BAD_TLOG);
        assertThat(unknownLog.message()).contains("a log the trusted root does not list");

        // Only the first Fulcio CA, whose validity ended 2022-12-31: the certificate (2023-01-20) has no CA.
        ObjectNode oldCa = (ObjectNode) Json.mapper().readTree(text("sigstore-trust/trusted_root_pgi.json"));
        oldCa.withArray("certificateAuthorities").remove(1);
        Verification untrusted = judge(layer(), root(oldCa.toString()), "mitr@redhat.com", null,
                "https://github.com/login/oauth");
        assertThat(untrusted.refusal()).isEqualTo(Refusal.UNTRUSTED_CERTIFICATE);
        assertThat(untrusted.message()).contains("does not chain to a certificate authority of the trusted root that"
                + " was valid at 2023-01-20T20:51:33Z");
    }

    @Test
    void aCertificateOutsideItsValidityAtTheLoggedTimeIsRefused() throws Exception {
        // A private log: its key in the trusted root, the real entry re-logged 20 minutes after the certificate expired.
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair log = g.generateKeyPair();
        String logId = HexFormat.of().formatHex(HexFormat.of().parseHex(Digests.sha256(log.getPublic().getEncoded())
                .substring(7)));
        ObjectNode root = (ObjectNode) Json.mapper().readTree(text("sigstore-trust/trusted_root_pgi.json"));
        ObjectNode tlog = (ObjectNode) root.withArray("tlogs").get(0);
        ((ObjectNode) tlog.path("logId")).put("keyId", Base64.getEncoder().encodeToString(HexFormat.of()
                .parseHex(logId)));
        ((ObjectNode) tlog.path("publicKey")).put("rawBytes", Base64.getEncoder().encodeToString(
                log.getPublic().getEncoded()));
        ObjectNode bundle = (ObjectNode) Json.mapper().readTree(text("cosign-real/keyless/bundle.json"));
        ObjectNode payload = (ObjectNode) bundle.path("Payload");
        long late = 1674248491L + 20 * 60; // notAfter 2023-01-20T21:01:31Z, plus 20 minutes
        payload.put("integratedTime", late);
        payload.put("logID", logId);
        String canonical = "{\"body\":\"" + payload.path("body").asText() + "\",\"integratedTime\":" + late
                + ",\"logID\":\"" + logId + "\",\"logIndex\":" + payload.path("logIndex").asLong() + "}";
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(log.getPrivate());
        s.update(canonical.getBytes(StandardCharsets.UTF_8));
        bundle.put("SignedEntryTimestamp", Base64.getEncoder().encodeToString(s.sign()));

        Path trusted = root(root.toString());
        Verification inTime = judge(layer(resource("cosign-real/keyless/payload.json"),
                text("cosign-real/keyless/bundle.json")), trusted, "mitr@redhat.com", null,
                "https://github.com/login/oauth");
        assertThat(inTime.refusal()).as("the public-good entry is not from this private log")
                .isEqualTo(Refusal.BAD_TLOG);
        Verification v = judge(layer(resource("cosign-real/keyless/payload.json"), bundle.toString()), trusted,
                "mitr@redhat.com", null, "https://github.com/login/oauth");
        assertThat(v.refusal()).isEqualTo(Refusal.UNTRUSTED_CERTIFICATE);
        assertThat(v.message()).isEqualTo("signature layer 0 of fixture: the certificate was valid"
                + " 2023-01-20T20:51:31Z to 2023-01-20T21:01:31Z, but the signature was logged at 2023-01-20T21:21:31Z");
    }

    @Test
    void aKeySignatureUnderAKeylessPolicyIsKeyed() throws IOException {
        SignedLayer keyed = new SignedLayer(resource("cosign-real/key-rekor/payload.json"),
                text("cosign-real/key-rekor/signature.b64"), Map.of(SignedLayer.BUNDLE_ANNOTATION,
                text("cosign-real/key-rekor/bundle.json")));
        var policy = new ImageSpec.Keyless(publicGood(), "mitr@redhat.com", null, "https://github.com/login/oauth",
                null);
        Verification v = SignatureJudge.judge(List.of(keyed), Digests.sha256(resource("cosign-real/key-rekor/manifest.json")),
                new Trust.Keyless(policy, TrustedRoot.read(publicGood())), ImageSpec.IdentityRepository.ANY,
                Set.of(REPO), "fixture", null);
        assertThat(v.refusal()).isEqualTo(Refusal.KEYED);
    }

    @Test
    void aKeySignatureMustBeInTheTransparencyLogWhenTheKeyPolicyNamesATrustedRoot() throws Exception {
        Path keyFile = dir.resolve("signer.pub");
        Files.write(keyFile, resource("cosign-real/other-cosign.pub"));
        var signer = new ImageSpec.Signature(keyFile, true).readKey();
        TrustedRoot pgi = TrustedRoot.read(publicGood());
        String d = Digests.sha256(resource("cosign-real/key-rekor/manifest.json"));
        String bundle = text("cosign-real/key-rekor/bundle.json");
        SignedLayer logged = new SignedLayer(resource("cosign-real/key-rekor/payload.json"),
                text("cosign-real/key-rekor/signature.b64"), Map.of(SignedLayer.BUNDLE_ANNOTATION, bundle));
        Verification v = SignatureJudge.judge(List.of(logged), d, new Trust.Key(signer, pgi),
                ImageSpec.IdentityRepository.ANY, Set.of(REPO), "fixture", null);
        assertThat(v.verified()).as(v.message()).isTrue();
        assertThat(v.message()).contains("verifies with key " + SignatureJudge.fingerprint(signer)
                + " (Rekor entry verified, logged at 2023-01-20T21:57:39Z)");

        SignedLayer relogged = new SignedLayer(resource("cosign-real/key-rekor/payload.json"),
                text("cosign-real/key-rekor/signature.b64"), Map.of(SignedLayer.BUNDLE_ANNOTATION,
                bundle.replace("\"integratedTime\":1674251859", "\"integratedTime\":1674251860")));
        assertThat(SignatureJudge.judge(List.of(relogged), d, new Trust.Key(signer, pgi),
                ImageSpec.IdentityRepository.ANY, Set.of(REPO), "fixture", null).refusal()).isEqualTo(Refusal.BAD_TLOG);

        // The classic fixture was signed without the log: refused when the log is required, accepted when not.
        Path cosignKey = dir.resolve("cosign.pub");
        Files.write(cosignKey, resource("cosign-real/cosign.pub"));
        SignedLayer unlogged = new SignedLayer(resource("cosign-real/payload.json"), text("cosign-real/signature.b64"));
        String classic = Digests.sha256(resource("cosign-real/manifest.json"));
        var key = new ImageSpec.Signature(cosignKey, true).readKey();
        Verification required = SignatureJudge.judge(List.of(unlogged), classic, new Trust.Key(key, pgi),
                ImageSpec.IdentityRepository.ANY, Set.of(REPO), "fixture", null);
        assertThat(required.refusal()).isEqualTo(Refusal.BAD_TLOG);
        assertThat(required.message()).contains("has no Rekor bundle");
        assertThat(SignatureJudge.judge(List.of(unlogged), classic, new Trust.Key(key),
                ImageSpec.IdentityRepository.ANY, Set.of(REPO), "fixture", null).verified()).isTrue();
    }
}
