package dev.deployguard.supplychain.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.SignatureJudge;
import dev.deployguard.supplychain.deploy.ImageGate;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.RealCosignImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signatures made by the real cosign binary, of images relocated in a real docker-registry to other repository
 * paths than the ones their payloads name (as {@code cosign copy}, a pull-through cache or a private mirror leave
 * them): accepted as cosign accepts them, and each tampered variant refused with its own reason.
 */
class RealCosignSignatureIT {
    static DockerRegistry registry;
    static RealCosignImages images;

    @BeforeAll
    static void start() throws Exception {
        registry = DockerRegistry.start();
        images = RealCosignImages.storeIn(registry, Files.createTempDirectory("dg-real-cosign"));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static ImageSpec image(String path, Path key, ImageSpec.IdentityRepository rule, List<String> mirrors) {
        return new ImageSpec(images.host, path, RealCosignImages.TAG, mirrors, null,
                new ImageSpec.Signature(key, true, rule), ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
    }

    private static ImageSpec image(String path, Path key) {
        return image(path, key, ImageSpec.IdentityRepository.ANY, List.of());
    }

    private static CheckResult check(ImageSpec image) {
        var app = new AppSpec("web", null, new Strategy.Replace(), image, null, null, null, null);
        return new SignatureCheck(image, RegistryClient.forImage(image))
                .run(new CheckContext(app, "1", Duration.ofSeconds(5), Clock.systemUTC(), null));
    }

    @Test
    void aRelocatedImageWithItsRealCosignSignatureIsAcceptedByTheCheckAndTheDeployGate() {
        ImageSpec image = image(RealCosignImages.RELOCATED, images.key);
        CheckResult r = check(image);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).contains("signs " + images.digest + " for 192.168.64.2:5000/cosign-signed-single-sample;"
                + " that is another repository than " + images.host + "/relocated/sample, accepted because the"
                + " signature binds the digest");
        List<String> events = new ArrayList<>();
        var admission = ImageGate.standard().admit("web", image, "1", List.of(),
                (kind, message, data) -> events.add(kind + " " + message));
        assertThat(admission.image().digest()).isEqualTo(images.digest);
        assertThat(admission.image().verified()).isTrue();
        assertThat(events).anyMatch(e -> e.startsWith("image.pinned") && e.contains("signature verified"));
    }

    @Test
    void exactRepositoryRefusesTheRelocatedImageAndAllowsTheSigningRepositoryAsAMirror() {
        CheckResult r = check(image(RealCosignImages.RELOCATED, images.key, ImageSpec.IdentityRepository.EXACT,
                List.of()));
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.data()).containsEntry("refusal", "OTHER_REPOSITORY");
        assertThat(r.evidence()).contains("names repository 192.168.64.2:5000/cosign-signed-single-sample, not "
                + images.host + "/relocated/sample (signature.identity.repository is exact)");
        assertThat(r.remedy()).contains("signature.identity.repository: any");
        assertThatThrownBy(() -> ImageGate.standard().admit("web", image(RealCosignImages.RELOCATED, images.key,
                ImageSpec.IdentityRepository.EXACT, List.of()), "1", List.of(), (k, m, d) -> { }))
                .isInstanceOf(DeployGuardException.class).hasMessageContaining("(OTHER_REPOSITORY)");

        // The payload's registry, listed as a mirror of the same path, is a repository the policy allows. The
        // primary serves, so the mirror (not reachable from here) is never asked.
        CheckResult mirrored = check(image(RealCosignImages.ORIGINAL_PATH, images.key,
                ImageSpec.IdentityRepository.EXACT, List.of(RealCosignImages.ORIGINAL_HOST)));
        assertThat(mirrored.status()).as(mirrored.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(mirrored.evidence()).endsWith("for 192.168.64.2:5000/cosign-signed-single-sample");
    }

    @Test
    void aSignatureSplitOverLinesVerifies() {
        CheckResult r = check(image(RealCosignImages.SPLIT, images.key));
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void aDamagedEncodingIsSaidToBeOne() {
        CheckResult r = check(image(RealCosignImages.BAD_ENCODING, images.key));
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.data()).containsEntry("refusal", "BAD_ENCODING");
        assertThat(r.evidence()).endsWith("is not base64: character '%' at position 20 is not base64");
    }

    @Test
    void theRekorLoggedSignatureVerifiesWithItsKeyAndNamesItsKeyWhenGivenAnother() throws Exception {
        CheckResult ok = check(image(RealCosignImages.KEY_REKOR, images.otherKey));
        assertThat(ok.status()).as(ok.evidence()).isEqualTo(CheckStatus.PASS);
        CheckResult wrong = check(image(RealCosignImages.KEY_REKOR, images.key));
        assertThat(wrong.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(wrong.data()).containsEntry("refusal", "WRONG_KEY");
        assertThat(wrong.evidence()).contains("was signed with another key, " + SignatureJudge.fingerprint(
                new ImageSpec.Signature(images.otherKey, true).readKey()) + " (as its Rekor entry 11608800 records)");
    }

    @Test
    void aPayloadChangedAfterSigningIsSaidToBeChanged() {
        CheckResult r = check(image(RealCosignImages.CHANGED_PAYLOAD, images.otherKey));
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.data()).containsEntry("refusal", "CHANGED_PAYLOAD");
        assertThat(r.evidence()).contains("its payload was changed after signing");
    }

    @Test
    void aKeylessSignatureUnderAKeyPolicyIsNamedAsKeyless() {
        CheckResult r = check(image(RealCosignImages.KEYLESS, images.key));
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.data()).containsEntry("refusal", "KEYLESS");
        assertThat(r.evidence()).contains("is a keyless signature (a Fulcio certificate for mitr@redhat.com (issuer"
                + " https://github.com/login/oauth))");
    }

    @Test
    void aSignatureCopiedToAnotherImageSignsAnotherDigest() {
        CheckResult r = check(image(RealCosignImages.COPIED, images.key));
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.data()).containsEntry("refusal", "OTHER_DIGEST");
        assertThat(r.evidence()).contains("signs another image, " + images.digest + ", not " + images.copiedDigest);
    }

    @Test
    void anUnsignedImageIsMissing() {
        CheckResult r = check(image(RealCosignImages.UNSIGNED, images.key));
        assertThat(r.data()).containsEntry("refusal", "MISSING");
    }

    @Test
    void theRealKeylessSignatureVerifiesForItsIdentityAgainstTheTrustedRootAndNotForAnother() {
        var keyless = new ImageSpec(images.host, RealCosignImages.KEYLESS, RealCosignImages.TAG, List.of(), null,
                new ImageSpec.Signature(null, true, ImageSpec.IdentityRepository.ANY, new ImageSpec.Keyless(
                        images.trustedRoot, "mitr@redhat.com", null, "https://github.com/login/oauth", null)),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
        CheckResult r = check(keyless);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).contains("verifies with keyless, mitr@redhat.com (issuer https://github.com/login/oauth)"
                + " (Fulcio CA sigstore, logged at 2023-01-20T20:51:33Z)");
        assertThat(r.data()).containsEntry("keyless", "identity mitr@redhat.com, issuer https://github.com/login/oauth");
        var admission = ImageGate.standard().admit("web", keyless, "1", List.of(), (k, m, d) -> { });
        assertThat(admission.image().verified()).isTrue();

        var other = new ImageSpec(images.host, RealCosignImages.KEYLESS, RealCosignImages.TAG, List.of(), null,
                new ImageSpec.Signature(null, true, ImageSpec.IdentityRepository.ANY, new ImageSpec.Keyless(
                        images.trustedRoot, null, ".*@example\\.com", "https://github.com/login/oauth", null)),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
        CheckResult refused = check(other);
        assertThat(refused.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(refused.data()).containsEntry("refusal", "WRONG_IDENTITY");
    }

    @Test
    void aKeyPolicyWithATransparencyLogAcceptsTheLoggedSignatureAndRefusesTheUnloggedOne() {
        var logged = new ImageSpec(images.host, RealCosignImages.KEY_REKOR, RealCosignImages.TAG, List.of(), null,
                new ImageSpec.Signature(images.otherKey, true, ImageSpec.IdentityRepository.ANY, null,
                        images.trustedRoot), ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
        CheckResult ok = check(logged);
        assertThat(ok.status()).as(ok.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(ok.evidence()).contains("(Rekor entry verified, logged at 2023-01-20T21:57:39Z)");
        var unlogged = new ImageSpec(images.host, RealCosignImages.RELOCATED, RealCosignImages.TAG, List.of(), null,
                new ImageSpec.Signature(images.key, true, ImageSpec.IdentityRepository.ANY, null, images.trustedRoot),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
        CheckResult refused = check(unlogged);
        assertThat(refused.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(refused.data()).containsEntry("refusal", "BAD_TLOG");
    }
}
