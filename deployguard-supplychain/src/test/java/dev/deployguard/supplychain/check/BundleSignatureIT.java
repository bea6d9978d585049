package dev.deployguard.supplychain.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.testing.BundleSigner;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.ReferrersFront;
import dev.deployguard.supplychain.testing.TestImages;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cosign 3's signatures — Sigstore bundles attached as referrers — found on a real docker-registry through the
 * referrers tag fallback ({@code sha256-<hex>}; docker-registry 2.8 has no referrers API) and through the referrers
 * API (served by {@link ReferrersFront} in front of it), verified with the key, and each tampered variant refused
 * with its reason. The bundles are written in cosign 3's layout by {@link BundleSigner} with a generated key; the
 * keyless one is real Sigstore output (sigstore-conformance).
 */
class BundleSignatureIT {
    static DockerRegistry registry;
    static ReferrersFront front;
    static CosignSigner signer = new CosignSigner();
    static CosignSigner otherSigner = new CosignSigner();
    static Path key;

    @BeforeAll
    static void start() throws Exception {
        registry = DockerRegistry.start();
        front = new ReferrersFront(registry.host());
        key = signer.writePublicKey(Files.createTempDirectory("dg-bundles").resolve("cosign.pub"));
    }

    @AfterAll
    static void stop() {
        if (front != null) {
            front.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** Pushes a fresh image at {@code path:v1}; returns its manifest as served. */
    private static Manifest image(String path) throws Exception {
        String digest = TestImages.push(registry.host(), path, "v1", path + "\n");
        Manifest m = new RegistryClient(Duration.ofSeconds(5), h -> true).manifest(registry.host(), path, digest);
        assertThat(m.digest()).isEqualTo(digest);
        return m;
    }

    private static String attach(String path, Manifest subject, byte[] bundle) throws Exception {
        return BundleSigner.attach(registry.host(), path, subject.digest(), subject.mediaType(),
                subject.bytes().length, bundle);
    }

    private static CheckResult check(String host, String path) {
        var image = new ImageSpec(host, path, "v1", List.of(), true, new ImageSpec.Signature(key, true),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
        var app = new AppSpec("web", null, new Strategy.Replace(), image, null, null, null, null);
        return new SignatureCheck(image, RegistryClient.forImage(image))
                .run(new CheckContext(app, "v1", Duration.ofSeconds(5), Clock.systemUTC(), null));
    }

    @Test
    void aDsseBundleFoundThroughTheReferrersTagVerifies() throws Exception {
        Manifest m = image("bundles/dsse");
        String entry = attach("bundles/dsse", m, BundleSigner.dsseBundle(signer,
                BundleSigner.statement(registry.host() + "/bundles/dsse", m.digest())));
        BundleSigner.writeReferrersTag(registry.host(), "bundles/dsse", m.digest(), entry);
        CheckResult r = check(registry.host(), "bundles/dsse");
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).startsWith("the Sigstore bundle in referrer " + registry.host() + "/bundles/dsse@sha256:")
                .contains("(DSSE in-toto statement, predicate https://sigstore.dev/cosign/sign/v1) verifies with key")
                .contains("names " + m.digest() + " as its subject; no transparency-log entry");
    }

    @Test
    void aMessageSignatureBundleFoundThroughTheReferrersApiVerifies() throws Exception {
        Manifest m = image("bundles/api");
        String entry = attach("bundles/api", m, BundleSigner.messageBundle(signer, m.bytes()));
        front.referrers("bundles/api", m.digest(), BundleSigner.referrersIndex(entry));
        CheckResult viaApi = check(front.host(), "bundles/api");
        assertThat(viaApi.status()).as(viaApi.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(viaApi.evidence()).contains("(message signature over the manifest) verifies with key");
        // Without the API (and no referrers tag written) the same registry has nothing to offer.
        CheckResult direct = check(registry.host(), "bundles/api");
        assertThat(direct.data()).containsEntry("refusal", "MISSING");
        assertThat(direct.evidence()).contains("no Sigstore bundle refers to it (looked at: no referrers API and no"
                + " referrers tag " + m.digest().replace(':', '-') + ")");
    }

    @Test
    void aBundleMadeWithAnotherKeyIsNamedByItsKeyHint() throws Exception {
        Manifest m = image("bundles/other-key");
        String entry = attach("bundles/other-key", m, BundleSigner.dsseBundle(otherSigner,
                BundleSigner.statement("x", m.digest())));
        BundleSigner.writeReferrersTag(registry.host(), "bundles/other-key", m.digest(), entry);
        CheckResult r = check(registry.host(), "bundles/other-key");
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.data()).containsEntry("refusal", "WRONG_KEY");
    }

    @Test
    void aStatementChangedAfterSigningIsSaidToBeChanged() throws Exception {
        Manifest m = image("bundles/changed");
        byte[] signed = BundleSigner.statement("x", m.digest());
        byte[] shipped = new String(signed, StandardCharsets.UTF_8).replace("\"predicate\":{}",
                "\"predicate\":{\"approved\":true}").getBytes(StandardCharsets.UTF_8);
        String entry = attach("bundles/changed", m, BundleSigner.dsseBundle(signer, signed, shipped));
        BundleSigner.writeReferrersTag(registry.host(), "bundles/changed", m.digest(), entry);
        CheckResult r = check(registry.host(), "bundles/changed");
        assertThat(r.data()).containsEntry("refusal", "CHANGED_PAYLOAD");
        assertThat(r.evidence()).contains("its envelope (statement or signature) was changed after signing");
    }

    @Test
    void aBundleOfAnotherImageAttachedToThisOneSignsAnotherDigest() throws Exception {
        Manifest other = image("bundles/source");
        Manifest m = image("bundles/copied");
        String entry = attach("bundles/copied", m, BundleSigner.dsseBundle(signer,
                BundleSigner.statement("x", other.digest())));
        BundleSigner.writeReferrersTag(registry.host(), "bundles/copied", m.digest(), entry);
        CheckResult r = check(registry.host(), "bundles/copied");
        assertThat(r.data()).containsEntry("refusal", "OTHER_DIGEST");
        assertThat(r.evidence()).contains("its subject is another image, " + other.digest() + ", not " + m.digest());
    }

    @Test
    void aRealKeylessBundleUnderAKeyPolicyIsNamedAsKeyless() throws Exception {
        Manifest m = image("bundles/keyless");
        byte[] bundle;
        try (InputStream in = getClass().getResourceAsStream(
                "/sigstore-conformance/happy-path-intoto-in-dsse-v3.sigstore.json")) {
            bundle = in.readAllBytes();
        }
        String entry = attach("bundles/keyless", m, bundle);
        BundleSigner.writeReferrersTag(registry.host(), "bundles/keyless", m.digest(), entry);
        CheckResult r = check(registry.host(), "bundles/keyless");
        assertThat(r.data()).containsEntry("refusal", "KEYLESS");
        assertThat(r.evidence()).contains("is a keyless signature (a Fulcio certificate for");
    }

    @Test
    void aReferrerWhoseSubjectIsAnotherImageIsIgnored() throws Exception {
        Manifest other = image("bundles/elsewhere");
        Manifest m = image("bundles/listed");
        // A valid bundle for `other`, whose referrer manifest names `other` as subject, listed in m's referrers tag.
        String entry = BundleSigner.attach(registry.host(), "bundles/listed", other.digest(), other.mediaType(),
                other.bytes().length, BundleSigner.dsseBundle(signer, BundleSigner.statement("x", other.digest())));
        BundleSigner.writeReferrersTag(registry.host(), "bundles/listed", m.digest(), entry);
        CheckResult r = check(registry.host(), "bundles/listed");
        assertThat(r.data()).containsEntry("refusal", "MISSING");
    }
}
