package dev.deployguard.supplychain.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.RegistryPair;
import java.nio.charset.StandardCharsets;
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
 * The image.signature check against real docker-registry processes, with signatures written in cosign's classic
 * layout: a good one, a missing one, one made with another key, a tampered payload, and one copied from another
 * image.
 */
class SignatureCheckIT {
    static RegistryPair registries;
    static Path dir;
    static Path key;
    static String signed;
    static String unsigned;
    static String tampered;
    static String copied;

    @BeforeAll
    static void start() throws Exception {
        registries = new RegistryPair();
        dir = Files.createTempDirectory("dg-sigcheck");
        key = registries.signer.writePublicKey(dir.resolve("cosign.pub"));
        String host = registries.primary.host();
        signed = registries.push("1.0");
        registries.signer.signAndPush(host, RegistryPair.PATH, signed);
        unsigned = registries.push("2.0");
        tampered = registries.push("3.0");
        byte[] payload = CosignSigner.payload(host + "/" + RegistryPair.PATH, tampered);
        String sig = registries.signer.sign(payload);
        byte[] changed = new String(payload, StandardCharsets.UTF_8).replace("\"optional\":null",
                "\"optional\":{\"approved\":\"yes\"}").getBytes(StandardCharsets.UTF_8);
        CosignSigner.push(host, RegistryPair.PATH, tampered, List.of(new CosignSigner.Layer(changed, sig)));
        copied = registries.push("4.0");
        byte[] other = CosignSigner.payload(host + "/" + RegistryPair.PATH, signed);
        CosignSigner.push(host, RegistryPair.PATH, copied, List.of(new CosignSigner.Layer(other,
                registries.signer.sign(other))));
    }

    @AfterAll
    static void stop() throws Exception {
        if (registries != null) {
            registries.close();
        }
    }

    private static CheckResult run(ImageSpec image, String version, String digest) {
        var app = new AppSpec("web", null, new Strategy.Replace(), image, null, null, null, null);
        return new SignatureCheck(image, RegistryClient.forImage(image))
                .run(new CheckContext(app, version, Duration.ofSeconds(5), Clock.systemUTC(), digest));
    }

    private static ImageSpec image() {
        return registries.image(key, ImageSpec.LastKnownGood.OFFER);
    }

    private static String sigTag(String digest) {
        return registries.primary.host() + "/team/web:" + Digests.signatureTag(digest);
    }

    @Test
    void passWhenSignedWithTheKeyForThisDigestAndRepository() {
        CheckResult r = run(image(), "1.0", null);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).startsWith("signature layer 0 of " + sigTag(signed) + " verifies with key SHA256:")
                .endsWith("and signs " + signed + " for " + registries.primary.host() + "/team/web");
        assertThat(r.data()).containsEntry("dockerReference", registries.primary.host() + "/team/web");
    }

    @Test
    void missingSignatureIsRefused() {
        CheckResult r = run(image(), "2.0", unsigned);
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("no cosign signature for " + unsigned + ": " + sigTag(unsigned)
                + " does not exist, and no Sigstore bundle refers to it (looked at: no referrers API and no referrers"
                + " tag " + unsigned.replace(':', '-') + "); sign it with: cosign sign --key cosign.key "
                + registries.primary.host() + "/team/web@" + unsigned);
        assertThat(r.data()).containsEntry("refusal", "MISSING");
    }

    @Test
    void wrongKeyIsRefused() throws Exception {
        Path otherKey = new CosignSigner().writePublicKey(dir.resolve("other.pub"));
        CheckResult r = run(registries.image(otherKey, ImageSpec.LastKnownGood.OFFER), "1.0", signed);
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("none of the 1 signature(s) in " + sigTag(signed)
                + " verifies with key SHA256:").contains("signed with another key");
        assertThat(r.remedy()).contains("check that image.signature.publicKey is the key the image was signed with");
        assertThat(r.data()).containsEntry("refusal", "BAD_SIGNATURE");
    }

    @Test
    void tamperedPayloadIsRefused() {
        CheckResult r = run(image(), "3.0", tampered);
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("none of the 1 signature(s) in " + sigTag(tampered))
                .endsWith("or its signed payload was changed after signing");
    }

    @Test
    void signatureForAnotherDigestIsRefused() {
        CheckResult r = run(image(), "4.0", copied);
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("verifies with key").contains("but signs another image, " + signed
                + ", not " + copied + ": the signature was copied from another image");
        assertThat(r.data()).containsEntry("refusal", "OTHER_DIGEST");
    }

    @Test
    void warnInsteadOfFailWhenNotRequired() {
        var optional = new ImageSpec(registries.primary.host(), RegistryPair.PATH, "${version}", List.of(), null,
                new ImageSpec.Signature(key, false), ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(2));
        CheckResult r = run(optional, "2.0", unsigned);
        assertThat(r.status()).isEqualTo(CheckStatus.WARN);
        assertThat(r.evidence()).endsWith("(signature.required is false)");
    }

    @Test
    void readsTheSignatureFromTheMirrorWhileThePrimaryIsDown() throws Exception {
        registries.warmMirror("1.0", signed);
        registries.primary.stop();
        try {
            CheckResult r = run(image(), "1.0", null);
            assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
            assertThat(r.data()).containsEntry("registry", registries.mirror.host());
        } finally {
            registries.primary.resume();
        }
    }

    @Test
    void errorWhenNoRegistryCanBeRead() throws Exception {
        var image = new ImageSpec(RegistryPair.deadHost(), RegistryPair.PATH, "${version}",
                List.of(RegistryPair.deadHost()), null, new ImageSpec.Signature(key, true),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(1));
        CheckResult r = run(image, "1.0", signed);
        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).startsWith("cannot tell: cannot read the signatures of " + signed
                + ": no registry answered").contains("connection refused");
        CheckResult unresolved = run(image, "1.0", null);
        assertThat(unresolved.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(unresolved.evidence()).startsWith("cannot tell: the image digest is unknown");
    }

    @Test
    void skippedWithoutAKey() {
        CheckResult r = run(registries.image(null, ImageSpec.LastKnownGood.OFFER), "1.0", signed);
        assertThat(r.status()).isEqualTo(CheckStatus.SKIPPED);
        assertThat(r.evidence()).isEqualTo("no image.signature.publicKey configured for " + registries.primary.host()
                + "/team/web");
    }

    /** A figure for the issue note: one signature check against the local registry, warm (median of 20). */
    @Test
    void signatureCheckTiming() {
        run(image(), "1.0", null);
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            CheckResult r = run(image(), "1.0", signed);
            micros.add((System.nanoTime() - t0) / 1000);
            assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        }
        micros.sort(null);
        System.out.printf("image.signature check against local docker-registry: median %.1f ms, max %.1f ms%n",
                micros.get(10) / 1000.0, micros.get(19) / 1000.0);
        assertThat(micros.get(10)).as("median µs").isLessThan(1_000_000L);
    }
}
