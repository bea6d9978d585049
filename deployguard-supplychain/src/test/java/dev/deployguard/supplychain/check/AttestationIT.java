package dev.deployguard.supplychain.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.spec.ImageSpec.AttestationKind;
import dev.deployguard.supplychain.deploy.ImageAdmission;
import dev.deployguard.supplychain.deploy.ImageGate;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.testing.AttestationSigner;
import dev.deployguard.supplychain.testing.BundleSigner;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code image.attestations} on a real docker-registry: attestations written in cosign's two layouts — the classic
 * {@code sha256-<hex>.att} tag of DSSE envelopes ({@code cosign attest --key}, cosign 2; layout read from
 * sigstore/cosign {@code cmd/cosign/cli/attest/attest.go}) and Sigstore bundles found through the referrers tag
 * (cosign 3) — with SPDX, CycloneDX, SLSA v1 and cosign vuln predicates (types as sigstore/cosign
 * {@code cmd/cosign/cli/options/predicate.go}, commit 590c2162f63fd4282f309093881eec6289853d95, maps them), verified
 * with the key as {@code cosign verify-attestation --type T --key K} does; tampered variants refused: another
 * predicate type (also behind a layer annotation that claims SPDX), another subject digest, another key, a changed
 * envelope, a predicate not of its type's format; an attached vulnerability scan gated like a scanner report.
 */
class AttestationIT {
    static DockerRegistry registry;
    static CosignSigner signer = new CosignSigner();
    static CosignSigner otherSigner = new CosignSigner();
    static Path key;

    @BeforeAll
    static void start() throws Exception {
        registry = DockerRegistry.start();
        key = signer.writePublicKey(Files.createTempDirectory("dg-attest").resolve("cosign.pub"));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static Manifest image(String path) throws Exception {
        String digest = TestImages.push(registry.host(), path, "v1", path + "\n");
        return new RegistryClient(Duration.ofSeconds(5), h -> true).manifest(registry.host(), path, digest);
    }

    private static byte[] statement(String path, String digest, String type, String predicate) {
        return AttestationSigner.statement(registry.host() + "/" + path, digest, type, predicate);
    }

    private static void classic(String path, String digest, AttestationSigner.Layer... layers) throws Exception {
        AttestationSigner.push(registry.host(), path, digest, List.of(layers));
    }

    private static AttestationSigner.Layer layer(CosignSigner by, byte[] statement, String annotated) {
        return new AttestationSigner.Layer(AttestationSigner.envelope(by, statement), annotated);
    }

    private static void bundles(String path, Manifest m, byte[]... bundles) throws Exception {
        String[] entries = new String[bundles.length];
        for (int i = 0; i < bundles.length; i++) {
            entries[i] = BundleSigner.attach(registry.host(), path, m.digest(), m.mediaType(), m.bytes().length,
                    bundles[i]);
        }
        BundleSigner.writeReferrersTag(registry.host(), path, m.digest(), entries);
    }

    private static CheckResult check(String path, boolean required, AttestationKind... kinds) {
        var image = new ImageSpec(registry.host(), path, "v1", List.of(), true, new ImageSpec.Signature(key, required),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5))
                .withAttestations(new ImageSpec.Attestations(List.of(kinds), "high"));
        var app = new AppSpec("web", null, new Strategy.Replace(), image, null, null, null, null);
        return new AttestationCheck(image, RegistryClient.forImage(image)).run(new CheckContext(app, "v1",
                Duration.ofSeconds(5), Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC), null));
    }

    private static ImageSpec attestedImage(String path, AttestationKind... kinds) {
        return new ImageSpec(registry.host(), path, "v1", List.of(), true, new ImageSpec.Signature(key, true),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5))
                .withAttestations(new ImageSpec.Attestations(List.of(kinds), "high"));
    }

    private static String grype(String file, String digest) throws Exception {
        String json = new String(AttestationIT.class.getResourceAsStream("/scan/" + file).readAllBytes(),
                StandardCharsets.UTF_8);
        return digest == null ? json
                : json.replace("sha256:1c4683bea643201fda76a22ffc395643a9237dba3085a7633dbf25cf8ca2759a", digest);
    }

    /**
     * The deploy's image gate judges the attestations as the signature, before anything starts, so {@code
     * --skip-checks} (which only skips the checklist) cannot skip them: a signed image without its required SBOM is
     * refused (exit 3, as a signature refusal), and pinned once the SBOM is attached.
     */
    @Test
    void theDeployGateRefusesASignedImageWithoutItsRequiredAttestationAndPinsItOnceAttached() throws Exception {
        String path = "attest/gate";
        Manifest m = image(path);
        signer.signAndPush(registry.host(), path, m.digest());
        ImageSpec image = attestedImage(path, AttestationKind.SBOM);
        List<String> events = new ArrayList<>();
        ImageGate gate = ImageGate.standard();

        assertThatThrownBy(() -> gate.admit("web", image, "v1", List.of(), (kind, message, data) -> events.add(kind
                + " " + message)))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.DEPLOY_FAILED))
                .hasMessageContaining("refused: attestation check of " + registry.host() + "/" + path + "@"
                        + m.digest() + " failed: no verified SBOM")
                .hasMessageContaining("nothing is attached")
                .hasMessageContaining("cosign attest --key cosign.key --type spdxjson");
        assertThat(events).singleElement().asString().startsWith(EventKinds.IMAGE_REFUSED + " ");

        events.clear();
        classic(path, m.digest(), layer(signer, statement(path, m.digest(), AttestationSigner.SPDX,
                AttestationSigner.spdx("gate")), AttestationSigner.SPDX));
        ImageAdmission admitted = gate.admit("web", image, "v1", List.of(), (kind, message, data) -> events.add(kind
                + " " + message));

        assertThat(admitted.image().digest()).isEqualTo(m.digest());
        assertThat(admitted.image().verified()).isTrue();
        assertThat(events).singleElement().asString().startsWith(EventKinds.IMAGE_PINNED + " ")
                .contains("signature verified, attestations verified: sbom");
    }

    @Test
    void classicSbomAndProvenanceSignedWithTheKeyPass() throws Exception {
        String path = "attest/classic";
        Manifest m = image(path);
        classic(path, m.digest(),
                layer(signer, statement(path, m.digest(), AttestationSigner.SPDX, AttestationSigner.spdx("classic")),
                        AttestationSigner.SPDX),
                layer(signer, statement(path, m.digest(), AttestationSigner.SLSA_V1, AttestationSigner.slsaV1()),
                        AttestationSigner.SLSA_V1));
        CheckResult r = check(path, true, AttestationKind.SBOM, AttestationKind.PROVENANCE);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence())
                .contains("SBOM (SPDX or CycloneDX): SPDX document SPDX-2.3 'classic', 1 package(s) (predicate"
                        + " https://spdx.dev/Document): the attestation layer 0 of " + registry.host() + "/" + path
                        + ":" + m.digest().replace(':', '-') + ".att")
                .contains("verifies with key SHA256:")
                .contains("names " + m.digest() + " as its subject")
                .contains("SLSA provenance: SLSA v1 provenance, builder https://github.com/slsa-framework/");
        @SuppressWarnings("unchecked")
        var attached = (List<Map<String, String>>) r.data().get("attestations");
        assertThat(attached).extracting(a -> a.get("kind")).containsExactly("sbom", "provenance");
    }

    @Test
    void bundledCycloneDxAndACleanScanPassTheScanIsGated() throws Exception {
        String path = "attest/bundles";
        Manifest m = image(path);
        bundles(path, m,
                BundleSigner.dsseBundle(signer, statement(path, m.digest(), AttestationSigner.CYCLONEDX,
                        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1,\"components\":[{\"type\":"
                                + "\"library\",\"name\":\"busybox\",\"version\":\"1.36.1\"}]}")),
                BundleSigner.dsseBundle(signer, statement(path, m.digest(), AttestationSigner.VULN,
                        AttestationSigner.vuln(grype("grype-clean.json", m.digest())))));
        CheckResult r = check(path, true, AttestationKind.SBOM, AttestationKind.VULNERABILITIES);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).contains("CycloneDX 1.5 BOM, 1 component(s)")
                .contains("the Sigstore bundle in referrer " + registry.host() + "/" + path + "@sha256:")
                .contains("vulnerability scan by pkg:github/anchore/grype@0.74.0")
                .contains("attached scan: grype report")
                .contains("no finding at or above high");
    }

    @Test
    void anAttachedScanWithACriticalFindingFails() throws Exception {
        String path = "attest/vulnerable";
        Manifest m = image(path);
        bundles(path, m, BundleSigner.dsseBundle(signer, statement(path, m.digest(), AttestationSigner.VULN,
                AttestationSigner.vuln(grype("grype-shop.json", m.digest())))));
        CheckResult r = check(path, true, AttestationKind.VULNERABILITIES);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("CVE-2023-5363").contains("blocking finding(s) at or above high");
        assertThat(r.remedy()).contains("upgrade the packages");
    }

    @Test
    void anAttachedScanOfAnotherImageFails() throws Exception {
        String path = "attest/otherscan";
        Manifest m = image(path);
        bundles(path, m, BundleSigner.dsseBundle(signer, statement(path, m.digest(), AttestationSigner.VULN,
                AttestationSigner.vuln(grype("grype-clean.json", null)))));
        CheckResult r = check(path, true, AttestationKind.VULNERABILITIES);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("was made for sha256:1c4683bea643201fda76a22ffc395643a9237dba3085a7633dbf25cf8ca2759a")
                .contains("not for the image being deployed, " + m.digest());
    }

    @Test
    void anotherPredicateTypeIsNoSbomEvenWhenTheAnnotationClaimsSpdx() throws Exception {
        String path = "attest/wrongtype";
        Manifest m = image(path);
        classic(path, m.digest(), layer(signer, statement(path, m.digest(), "https://example.com/custom/v1",
                AttestationSigner.spdx("custom")), AttestationSigner.SPDX));
        CheckResult r = check(path, true, AttestationKind.SBOM);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("no verified SBOM (SPDX or CycloneDX) attestation for " + m.digest())
                .contains("verified attestations of other predicate types: https://example.com/custom/v1 in layer 0");
        assertThat(r.remedy()).contains("cosign attest --key cosign.key --type spdxjson");
        assertThat(r.data().get("missing")).isEqualTo(List.of("sbom"));
    }

    @Test
    void anSbomForAnotherDigestIsRefused() throws Exception {
        String path = "attest/otherdigest";
        Manifest m = image(path);
        Manifest other = image("attest/otherimage");
        classic(path, m.digest(), layer(signer, statement(path, other.digest(), AttestationSigner.SPDX,
                AttestationSigner.spdx("copied")), AttestationSigner.SPDX));
        CheckResult r = check(path, true, AttestationKind.SBOM);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("refused OTHER_DIGEST").contains("its subject is another image, "
                + other.digest() + ", not " + m.digest());
    }

    @Test
    void anSbomSignedWithAnotherKeyIsRefusedInBothLayouts() throws Exception {
        String path = "attest/otherkey";
        Manifest m = image(path);
        byte[] sbom = statement(path, m.digest(), AttestationSigner.SPDX, AttestationSigner.spdx("otherkey"));
        classic(path, m.digest(), layer(otherSigner, sbom, AttestationSigner.SPDX));
        bundles(path, m, BundleSigner.dsseBundle(otherSigner, sbom));
        CheckResult r = check(path, true, AttestationKind.SBOM);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("refused BAD_SIGNATURE: the attestation layer 0 of")
                .contains("refused WRONG_KEY: the Sigstore bundle in referrer");
        @SuppressWarnings("unchecked")
        var rejected = (List<Map<String, String>>) r.data().get("rejected");
        assertThat(rejected).extracting(x -> x.get("predicateType")).containsOnly(AttestationSigner.SPDX);
    }

    @Test
    void aChangedEnvelopeIsRefused() throws Exception {
        String path = "attest/changed";
        Manifest m = image(path);
        byte[] signed = statement(path, m.digest(), AttestationSigner.SPDX, AttestationSigner.spdx("signed"));
        byte[] shipped = statement(path, m.digest(), AttestationSigner.SPDX, AttestationSigner.spdx("shipped"));
        bundles(path, m, BundleSigner.dsseBundle(signer, signed, shipped));
        CheckResult r = check(path, true, AttestationKind.SBOM);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("refused CHANGED_PAYLOAD");
    }

    @Test
    void aPredicateNotOfItsTypesFormatIsRefused() throws Exception {
        String path = "attest/notspdx";
        Manifest m = image(path);
        classic(path, m.digest(), layer(signer, statement(path, m.digest(), AttestationSigner.SPDX,
                "{\"hello\":\"world\"}"), AttestationSigner.SPDX));
        CheckResult r = check(path, true, AttestationKind.SBOM);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("verifies, but its predicate is not an SPDX document");
    }

    @Test
    void nothingAttachedFailsAndWarnsWhenNotRequired() throws Exception {
        String path = "attest/none";
        Manifest m = image(path);
        CheckResult r = check(path, true, AttestationKind.PROVENANCE);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("no verified SLSA provenance attestation for " + m.digest()
                + ": nothing is attached (looked at " + registry.host() + "/" + path + ":"
                + m.digest().replace(':', '-') + ".att and the referrers (");
        CheckResult lenient = check(path, false, AttestationKind.PROVENANCE);
        assertThat(lenient.status()).isEqualTo(CheckStatus.WARN);
        assertThat(lenient.evidence()).endsWith("(signature.required is false)");
    }

    @Test
    void verifyWithAttestationsAsCosignVerifyAttestationDoes() throws Exception {
        String path = "attest/verify";
        Manifest m = image(path);
        signer.signAndPush(registry.host(), path, m.digest());
        classic(path, m.digest(), layer(signer, statement(path, m.digest(), AttestationSigner.SPDX,
                AttestationSigner.spdx("verify")), AttestationSigner.SPDX));
        String ref = registry.host() + "/" + path + ":v1";
        var verifier = dev.deployguard.supplychain.verify.ImageVerifier.standard();

        var sbom = verifier.verify(new dev.deployguard.supplychain.verify.ImageVerifier.Request(ref, key, null,
                ImageSpec.IdentityRepository.ANY, List.of(), true, "5s", List.of("sbom")));
        assertThat(sbom.verified()).as(sbom.message()).isTrue();
        assertThat(sbom.message()).contains("signature layer 0 of").contains("SPDX document SPDX-2.3 'verify'");

        var both = verifier.verify(new dev.deployguard.supplychain.verify.ImageVerifier.Request(ref, key, null,
                ImageSpec.IdentityRepository.ANY, List.of(), true, "5s", List.of("sbom", "provenance")));
        assertThat(both.outcome()).isEqualTo("REFUSED");
        assertThat(both.refusal()).isEqualTo("ATTESTATIONS");
        assertThat(both.message()).contains("no verified SLSA provenance attestation for " + m.digest());
        assertThat(both.remedy()).contains("--type slsaprovenance1");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verify(
                new dev.deployguard.supplychain.verify.ImageVerifier.Request(ref, key, null,
                        ImageSpec.IdentityRepository.ANY, List.of(), true, "5s", List.of("licence"))))
                .hasMessageContaining("--attestation: expected sbom (SPDX or CycloneDX), provenance (SLSA) or"
                        + " vulnerabilities (cosign vuln scan), got 'licence'");
    }
}
