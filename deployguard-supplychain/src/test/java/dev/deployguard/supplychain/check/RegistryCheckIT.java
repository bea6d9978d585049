package dev.deployguard.supplychain.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.SupplyChainChecks;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.testing.RegistryPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry check against real docker-registry processes: a primary and a pull-through mirror. */
class RegistryCheckIT {
    static RegistryPair registries;
    static String digest;

    @BeforeAll
    static void start() throws Exception {
        registries = new RegistryPair();
        digest = registries.push("1.0");
        registries.warmMirror("1.0", digest);
    }

    @AfterAll
    static void stop() {
        if (registries != null) {
            registries.close();
        }
    }

    private static CheckResult run(ImageSpec image, String version) {
        var app = new AppSpec("web", null, new Strategy.Replace(), image, null, null, null, null);
        return new RegistryCheck(image, RegistryClient.forImage(image))
                .run(new CheckContext(app, version, Duration.ofSeconds(5), Clock.systemUTC(), null));
    }

    @Test
    void passWhenThePrimaryServesTheTag() {
        CheckResult r = run(registries.image(null, ImageSpec.LastKnownGood.OFFER), "1.0");
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo(registries.primary.host() + "/team/web:1.0 resolves to " + digest
                + " on the primary registry " + registries.primary.host() + "; /v2/ answers on "
                + registries.primary.host() + ", " + registries.mirror.host());
        assertThat(r.data()).containsEntry("digest", digest).containsEntry("mirror", false);
    }

    @Test
    void warnNamingTheMirrorWhenOnlyTheMirrorServes() throws Exception {
        registries.primary.stop();
        try {
            CheckResult r = run(registries.image(null, ImageSpec.LastKnownGood.OFFER), "1.0");
            assertThat(r.status()).isEqualTo(CheckStatus.WARN);
            assertThat(r.evidence()).startsWith(registries.primary.host() + "/team/web:1.0 resolves to " + digest
                    + " only on mirror " + registries.mirror.host() + "; the primary " + registries.primary.host()
                    + " failed: ").contains("connection refused");
            assertThat(r.remedy()).contains("bring the primary registry " + registries.primary.host() + " back");
            assertThat(r.data()).containsEntry("servedBy", registries.mirror.host());
        } finally {
            registries.primary.resume();
        }
    }

    @Test
    void failWhenTheTagExistsNowhere() {
        CheckResult r = run(registries.image(null, ImageSpec.LastKnownGood.OFFER), "9.9");
        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("tag 9.9 does not exist: cannot resolve " + registries.primary.host()
                + "/team/web:9.9 on any of 2 registries: " + registries.primary.host() + ": NOT_FOUND");
        assertThat(r.remedy()).startsWith("push " + registries.primary.host() + "/team/web:9.9");
    }

    @Test
    void errorWhenNoRegistryAnswers() throws Exception {
        String dead1 = RegistryPair.deadHost();
        String dead2 = RegistryPair.deadHost();
        var image = new ImageSpec(dead1, "team/web", "${version}", List.of(dead2), null, null,
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(1));
        CheckResult r = run(image, "1.0");
        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).contains(dead1 + ": UNREACHABLE", dead2 + ": UNREACHABLE",
                "/v2/ answers on no registry");
        assertThat(r.remedy()).contains("start or reach the registry " + dead1);

        var useLastKnownGood = new ImageSpec(dead1, "team/web", "${version}", List.of(dead2), null, null,
                ImageSpec.LastKnownGood.USE, Duration.ofSeconds(1));
        CheckResult warned = run(useLastKnownGood, "1.0");
        assertThat(warned.status()).as("an outage the spec allows for does not block").isEqualTo(CheckStatus.WARN);
        assertThat(warned.evidence()).endsWith("lastKnownGood is use: a deploy now runs the last known-good"
                + " release's pinned image instead");
    }

    @Test
    void theChecklistResolverFillsTheDigestThroughTheMirrors() throws Exception {
        var app = new AppSpec("web", null, new Strategy.Replace(), registries.image(null,
                ImageSpec.LastKnownGood.OFFER), null, null, null, null);
        assertThat(SupplyChainChecks.resolveDigest(app, "1.0")).isEqualTo(digest);
        registries.primary.stop();
        try {
            assertThat(SupplyChainChecks.resolveDigest(app, "1.0")).as("through the mirror").isEqualTo(digest);
            assertThat(SupplyChainChecks.resolveDigest(app, "9.9")).isNull();
        } finally {
            registries.primary.resume();
        }
        assertThat(SupplyChainChecks.forImage(app.image())).extracting(c -> c.name())
                .containsExactly("registry", "image.signature");
    }
}
