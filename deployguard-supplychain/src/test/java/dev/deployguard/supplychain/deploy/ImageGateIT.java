package dev.deployguard.supplychain.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.PinnedImage;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.testing.RegistryPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The deploy-time image gate against a real primary registry and a real pull-through mirror. */
class ImageGateIT {
    static RegistryPair registries;
    static Path key;
    static String v1;
    static String v2;
    static String unsigned;
    final List<String> events = new ArrayList<>();
    final ImageGate gate = ImageGate.standard();

    @BeforeAll
    static void start() throws Exception {
        registries = new RegistryPair();
        key = registries.signer.writePublicKey(Files.createTempDirectory("dg-gate").resolve("cosign.pub"));
        String host = registries.primary.host();
        v1 = registries.push("1.0");
        registries.signer.signAndPush(host, RegistryPair.PATH, v1);
        v2 = registries.push("2.0");
        registries.signer.signAndPush(host, RegistryPair.PATH, v2);
        unsigned = registries.push("3.0");
        registries.warmMirror("2.0", v2);
    }

    @AfterAll
    static void stop() {
        if (registries != null) {
            registries.close();
        }
    }

    @BeforeEach
    void clear() {
        events.clear();
    }

    private ImageSpec image(ImageSpec.LastKnownGood lkg) {
        return registries.image(key, lkg);
    }

    private ImageAdmission admit(ImageSpec image, String version, List<Release> history) {
        return gate.admit("web", image, version, history, (kind, message, data) -> events.add(kind + " " + message));
    }

    /** Release 1 served v1 (verified) and was superseded by release 2, which failed. */
    private List<Release> history() {
        var lkg = new PinnedImage(registries.primary.host() + "/team/web", v1, true);
        return List.of(release(1, "1.0", ReleaseStatus.SUPERSEDED, lkg),
                release(2, "9.0", ReleaseStatus.FAILED, new PinnedImage(lkg.repository(), unsigned, false)));
    }

    private static Release release(int revision, String version, ReleaseStatus status, PinnedImage image) {
        return new Release("web", revision, version, List.of("./web", "${port}"), Map.of(), 1, "sha256:x", null,
                "alice", Instant.EPOCH, status, null, image);
    }

    @Test
    void resolvesVerifiesAndPinsOnThePrimary() {
        ImageAdmission a = admit(image(ImageSpec.LastKnownGood.OFFER), "2.0", List.of());
        assertThat(a.image()).isEqualTo(new PinnedImage(registries.primary.host() + "/team/web", v2, true));
        assertThat(a.warning()).isNull();
        assertThat(events).singleElement().asString().startsWith(EventKinds.IMAGE_PINNED + " "
                + registries.primary.host() + "/team/web:2.0 pinned to " + v2).contains("signature verified");
    }

    @Test
    void primaryDownTheMirrorServesTheSameDigest() throws Exception {
        registries.primary.stop();
        try {
            ImageAdmission a = admit(image(ImageSpec.LastKnownGood.OFFER), "2.0", List.of());
            assertThat(a.image().digest()).isEqualTo(v2);
            assertThat(a.image().verified()).isTrue();
            assertThat(events.get(0)).startsWith(EventKinds.IMAGE_MIRROR_USED + " primary registry "
                    + registries.primary.host() + " failed").contains("mirror " + registries.mirror.host()
                    + " served");
        } finally {
            registries.primary.resume();
        }
    }

    @Test
    void allDownWithOfferRefusesNamingTheLastKnownGoodRelease() throws Exception {
        registries.primary.stop();
        registries.mirror.stop();
        try {
            assertThatThrownBy(() -> admit(image(ImageSpec.LastKnownGood.OFFER), "2.0", history()))
                    .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
                        assertThat(e.getMessage()).startsWith("deploy of web 2.0 refused: no registry answered for "
                                + registries.primary.host() + "/team/web:2.0").endsWith("last known-good: roll back"
                                + " with `deployguard rollback web --to-revision 1` (release 1, 1.0, " + v1 + ")");
                    });
            assertThat(events).singleElement().asString().startsWith(EventKinds.IMAGE_REFUSED);
        } finally {
            registries.primary.resume();
            registries.mirror.resume();
        }
    }

    @Test
    void allDownWithUseDeploysTheLastKnownGoodDigestLoudly() throws Exception {
        registries.primary.stop();
        registries.mirror.stop();
        try {
            ImageAdmission a = admit(image(ImageSpec.LastKnownGood.USE), "2.0", history());
            assertThat(a.image().digest()).isEqualTo(v1);
            assertThat(a.warning()).startsWith("WARNING: no registry answered for " + registries.primary.host()
                    + "/team/web:2.0; deploying the LAST KNOWN-GOOD image " + registries.primary.host()
                    + "/team/web@" + v1 + " of release 1 (1.0)");
            assertThat(events).singleElement().asString().startsWith(EventKinds.IMAGE_LAST_KNOWN_GOOD_USED);
            assertThatThrownBy(() -> admit(image(ImageSpec.LastKnownGood.USE), "2.0", List.of()))
                    .as("use without any last known-good release")
                    .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.getMessage())
                            .endsWith("there is no last known-good release of web to roll back to"));
        } finally {
            registries.primary.resume();
            registries.mirror.resume();
        }
    }

    @Test
    void aBadSignatureIsRefusedEvenWithUseAndNamesTheLastKnownGoodRelease() {
        assertThatThrownBy(() -> admit(image(ImageSpec.LastKnownGood.USE), "3.0", history()))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);
                    assertThat(e.getMessage()).startsWith("deploy of web 3.0 refused: signature check of "
                            + registries.primary.host() + "/team/web@" + unsigned + " failed (MISSING): no cosign"
                            + " signature for " + unsigned).contains("`deployguard rollback web --to-revision 1`");
                });
        assertThat(events).singleElement().asString().startsWith(EventKinds.IMAGE_REFUSED);
    }

    @Test
    void aTagThatDoesNotExistIsNotFound() {
        assertThatThrownBy(() -> admit(image(ImageSpec.LastKnownGood.USE), "7.7", history()))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
                    assertThat(e.getMessage()).contains("/team/web:7.7 does not exist");
                });
    }

    @Test
    void lastKnownGoodIsTheNewestVerifiedReleaseThatServed() {
        var repo = registries.primary.host() + "/team/web";
        List<Release> history = List.of(
                release(1, "1.0", ReleaseStatus.SUPERSEDED, new PinnedImage(repo, v1, true)),
                release(2, "2.0", ReleaseStatus.SUPERSEDED, new PinnedImage(repo, v2, true)),
                release(3, "3.0", ReleaseStatus.ROLLED_BACK, new PinnedImage(repo, unsigned, true)),
                release(4, "3.0", ReleaseStatus.DEPLOYED, new PinnedImage(repo, unsigned, false)),
                release(5, "4.0", ReleaseStatus.FAILED, new PinnedImage(repo, v1, true)));
        assertThat(ImageGate.lastKnownGood(image(ImageSpec.LastKnownGood.OFFER), history)).get()
                .extracting(Release::revision).isEqualTo(2);
        assertThat(ImageGate.lastKnownGood(registries.image(null, ImageSpec.LastKnownGood.OFFER), history)).get()
                .as("without a key any pinned image that served counts").extracting(Release::revision).isEqualTo(4);
    }
}
