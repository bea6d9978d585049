package dev.deployguard.supplychain.deploy;

import dev.deployguard.check.CheckResult;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.PinnedImage;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.check.AttestationCheck;
import dev.deployguard.supplychain.cosign.CosignVerifier;
import dev.deployguard.supplychain.cosign.Trust;
import dev.deployguard.supplychain.cosign.Verification;
import dev.deployguard.supplychain.registry.ImageResolver;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides which image digest a deploy runs, before anything is started: resolves the tag through the primary
 * registry and its mirrors, verifies the cosign signature when a key is configured (and the attestations
 * {@code image.attestations} requires), and pins the digest. A bad or missing signature or attestation is refused,
 * never replaced silently. When no registry answers, the app's last known-good
 * release is named (lastKnownGood: offer) or its digest is deployed, loudly (lastKnownGood: use).
 */
public final class ImageGate {
    /** Where the gate's decisions go: the deploy's event log. */
    @FunctionalInterface
    public interface Events {
        void record(String kind, String message, Map<String, Object> data);
    }

    private final Function<ImageSpec, RegistryClient> clients;

    public ImageGate(Function<ImageSpec, RegistryClient> clients) {
        this.clients = clients;
    }

    /** A gate whose clients follow each image section's timeout and plain-HTTP rule. */
    public static ImageGate standard() {
        return new ImageGate(RegistryClient::forImage);
    }

    /**
     * @param history the app's releases (for the last known-good one)
     * @throws DeployGuardException when the image is refused: exit 3 for a signature refusal, 6 when the tag does
     *                              not exist, 5 when no registry answers and no last known-good digest is used
     */
    public ImageAdmission admit(String app, ImageSpec image, String version, List<Release> history, Events events) {
        RegistryClient client = clients.apply(image);
        String ref = image.repository() + ":" + image.tagFor(version);
        ImageResolver.Resolution r;
        try {
            r = new ImageResolver(client).resolve(image, version);
        } catch (ImageResolver.NotResolved e) {
            if (e.notFound()) {
                throw refuse(events, ExitCode.NOT_FOUND, "deploy of " + app + " " + version + " refused: " + ref
                        + " does not exist (" + e.getMessage() + "); push it first", Map.of("reference", ref));
            }
            if (e.attempts().stream().anyMatch(a -> a.failure().kind() == RegistryException.Kind.DENIED)) {
                // A refusal of access is an answer, not an outage: no last known-good image replaces it silently.
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("reference", ref);
                lastKnownGood(image, history).ifPresent(l -> data.put("lastKnownGood", l.revision()));
                throw refuse(events, ExitCode.UNREACHABLE, "deploy of " + app + " " + version + " refused: the"
                        + " registry denied access to " + ref + " (" + e.getMessage() + "); give the control plane"
                        + " credentials in its Docker config (docker login " + image.registry() + ", or DOCKER_CONFIG)"
                        + "\n" + offer(app, image, history), data);
            }
            return unreachable(app, image, version, ref, e.getMessage(), history, events);
        }
        if (r.mirror()) {
            events.record(EventKinds.IMAGE_MIRROR_USED, "primary registry " + image.registry() + " failed ("
                    + r.attempts().get(0).failure().getMessage() + "); mirror " + r.host() + " served " + ref
                    + " as " + r.digest(), Map.of("reference", ref, "mirror", r.host(), "digest", r.digest()));
        }
        boolean verified = false;
        if (image.signature() != null) {
            Verification v;
            try {
                v = new CosignVerifier(client).verify(image, r.digest(), r.hostsServedFirst(image));
            } catch (IllegalArgumentException e) {
                throw refuse(events, ExitCode.BAD_INPUT, "deploy of " + app + " " + version + " refused: cannot read"
                        + " the signature key: " + e.getMessage(), Map.of("reference", ref));
            } catch (RegistryException e) {
                if (e.kind() == RegistryException.Kind.UNREACHABLE) {
                    return unreachable(app, image, version, ref, e.getMessage(), history, events);
                }
                v = Verification.refused(Verification.Refusal.BAD_SIGNATURE, e.getMessage(), e.host());
            }
            if (!v.verified() && image.signature().required()) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("reference", ref);
                data.put("digest", r.digest());
                data.put("refusal", v.refusal().name());
                lastKnownGood(image, history).ifPresent(l -> data.put("lastKnownGood", l.revision()));
                throw refuse(events, ExitCode.DEPLOY_FAILED, "deploy of " + app + " " + version + " refused: "
                        + "signature check of " + image.repository() + "@" + r.digest() + " failed (" + v.refusal()
                        + "): " + v.message() + "\n" + offer(app, image, history), data);
            }
            verified = v.verified();
            if (!verified) {
                events.record(EventKinds.IMAGE_PINNED, "WARNING: " + ref + " is deployed UNVERIFIED"
                        + " (signature.required is false): " + v.message(), Map.of("reference", ref,
                        "digest", r.digest(), "verified", false));
            }
        }
        List<String> attested = attestations(app, image, version, ref, r, client, history, events);
        if (attested == null) {
            return unreachable(app, image, version, ref, "the attestations of " + r.digest() + " cannot be read",
                    history, events);
        }
        PinnedImage pinned = new PinnedImage(image.repository(), r.digest(), verified);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("reference", ref);
        data.put("digest", r.digest());
        data.put("registry", r.host());
        data.put("verified", verified);
        if (!attested.isEmpty()) {
            data.put("attestations", attested);
        }
        events.record(EventKinds.IMAGE_PINNED, ref + " pinned to " + r.digest() + " (served by " + r.host()
                + (verified ? ", signature verified" : image.signature() == null ? ", no signature key configured"
                : ", signature NOT verified") + (attested.isEmpty() ? "" : ", attestations verified: "
                + String.join(", ", attested)) + ")", data);
        return new ImageAdmission(pinned, null);
    }

    /**
     * {@code image.attestations}, judged as the checklist's {@link AttestationCheck} does but before anything starts
     * and whatever {@code --skip-checks} says, as the signature is: a missing or refused attestation is refused (a
     * warning when {@code signature.required} is false). Returns the kinds verified (empty when none are asked for),
     * or null when no registry could be read.
     */
    private static List<String> attestations(String app, ImageSpec image, String version, String ref,
                                             ImageResolver.Resolution r, RegistryClient client, List<Release> history,
                                             Events events) {
        if (image.attestations() == null || image.signature() == null) {
            return List.of();
        }
        CheckResult result;
        try {
            result = new AttestationCheck(image, client).judgeDigest(r.digest(), r.hostsServedFirst(image),
                    Trust.of(image.signature()), LocalDate.now(ZoneOffset.UTC));
        } catch (IllegalArgumentException e) {
            throw refuse(events, ExitCode.BAD_INPUT, "deploy of " + app + " " + version + " refused: cannot read"
                    + " the signature policy: " + e.getMessage(), Map.of("reference", ref));
        }
        List<String> kinds = image.attestations().require().stream()
                .map(k -> k.name().toLowerCase(Locale.ROOT)).toList();
        switch (result.status()) {
            case PASS, SKIPPED -> {
                return kinds;
            }
            case ERROR -> {
                return null;
            }
            case WARN -> {
                events.record(EventKinds.IMAGE_PINNED, "WARNING: " + ref + " is deployed without verified"
                        + " attestations: " + result.evidence(), Map.of("reference", ref, "digest", r.digest(),
                        "attestations", false));
                return List.of();
            }
            default -> {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("reference", ref);
                data.put("digest", r.digest());
                data.put("attestations", result.data().getOrDefault("missing", kinds));
                lastKnownGood(image, history).ifPresent(l -> data.put("lastKnownGood", l.revision()));
                throw refuse(events, ExitCode.DEPLOY_FAILED, "deploy of " + app + " " + version + " refused: "
                        + "attestation check of " + image.repository() + "@" + r.digest() + " failed: "
                        + result.evidence() + "\n" + result.remedy() + "\n" + offer(app, image, history), data);
            }
        }
    }

    private ImageAdmission unreachable(String app, ImageSpec image, String version, String ref, String why,
                                       List<Release> history, Events events) {
        Optional<Release> lkg = lastKnownGood(image, history);
        if (image.lastKnownGood() == ImageSpec.LastKnownGood.USE && lkg.isPresent()) {
            Release l = lkg.get();
            String warning = "WARNING: no registry answered for " + ref + "; deploying the LAST KNOWN-GOOD image "
                    + l.image().reference() + " of release " + l.revision() + " (" + l.version() + ") instead"
                    + " (lastKnownGood: use). " + why;
            events.record(EventKinds.IMAGE_LAST_KNOWN_GOOD_USED, warning, Map.of("reference", ref,
                    "lastKnownGood", l.revision(), "digest", l.image().digest()));
            return new ImageAdmission(l.image(), warning);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("reference", ref);
        lkg.ifPresent(l -> data.put("lastKnownGood", l.revision()));
        throw refuse(events, ExitCode.UNREACHABLE, "deploy of " + app + " " + version + " refused: no registry"
                + " answered for " + ref + ": " + why + "\n" + offer(app, image, history), data);
    }

    private static String offer(String app, ImageSpec image, List<Release> history) {
        return lastKnownGood(image, history).map(l -> "last known-good: roll back with `deployguard rollback " + app
                + " --to-revision " + l.revision() + "` (release " + l.revision() + ", " + l.version() + ", "
                + l.image().digest() + ")")
                .orElse("there is no last known-good release of " + app + " to roll back to");
    }

    /**
     * The newest release that served traffic and was not rolled back away from, with a pinned image that was
     * verified (any pinned image when the app has no signature key).
     */
    public static Optional<Release> lastKnownGood(ImageSpec image, List<Release> history) {
        return history.stream()
                .filter(r -> r.status() == ReleaseStatus.DEPLOYED || r.status() == ReleaseStatus.SUPERSEDED)
                .filter(r -> r.image() != null && (r.image().verified() || image.signature() == null))
                .max(Comparator.comparingInt(Release::revision));
    }

    private static DeployGuardException refuse(Events events, ExitCode code, String message,
                                               Map<String, Object> data) {
        events.record(EventKinds.IMAGE_REFUSED, message, data);
        return new DeployGuardException(code, message);
    }
}
