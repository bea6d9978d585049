package dev.deployguard.supplychain.verify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.json.Json;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.spec.ImageSpecParser;
import dev.deployguard.supplychain.check.AttestationCheck;
import dev.deployguard.supplychain.check.SignatureCheck;
import dev.deployguard.supplychain.cosign.CosignVerifier;
import dev.deployguard.supplychain.cosign.Trust;
import dev.deployguard.supplychain.cosign.Verification;
import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.ImageResolver;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Verifies one image, given as {@code registry/path[:tag][@digest]}, with the same resolution and signature
 * verification a deploy runs ({@link ImageResolver}, {@link CosignVerifier}); the image section is built and
 * validated by the spec's own parser, so a reference or key that a spec would refuse is refused here too.
 */
public final class ImageVerifier {
    private final Function<ImageSpec, RegistryClient> clients;

    public ImageVerifier(Function<ImageSpec, RegistryClient> clients) {
        this.clients = clients;
    }

    public static ImageVerifier standard() {
        return new ImageVerifier(RegistryClient::forImage);
    }

    /**
     * The options of one verification, as {@code cosign verify} users give them: a key, or a keyless identity (the
     * fields of {@code signature.keyless}, null when a key is given).
     */
    public record Request(String image, Path key, Keyless keyless, ImageSpec.IdentityRepository repository,
                          List<String> mirrors, Boolean insecure, String timeout, List<String> attestations) {
        public Request {
            mirrors = List.copyOf(mirrors);
            attestations = List.copyOf(attestations);
        }

        /** Signatures only. */
        public Request(String image, Path key, Keyless keyless, ImageSpec.IdentityRepository repository,
                       List<String> mirrors, Boolean insecure, String timeout) {
            this(image, key, keyless, repository, mirrors, insecure, timeout, List.of());
        }

        public Request(String image, Path key, ImageSpec.IdentityRepository repository, List<String> mirrors,
                       Boolean insecure, String timeout) {
            this(image, key, null, repository, mirrors, insecure, timeout);
        }
    }

    /** Keyless options as given ({@code --trusted-root}, {@code --certificate-identity[-regexp]}, ...). */
    public record Keyless(Path trustedRoot, String identity, String identityRegexp, String issuer,
                          String issuerRegexp) {
    }

    /**
     * What was decided.
     *
     * @param outcome   VERIFIED, REFUSED (see {@code refusal}), NOT_FOUND, DENIED (credentials) or UNREACHABLE
     * @param refusal   the signature refusal, or ATTESTATIONS when the signature verified but an attestation asked for
     *                  did not (null unless REFUSED)
     * @param digest    the image digest verified (null when it could not be resolved)
     * @param registry  the registry that served it
     * @param remedy    what to do (null when verified)
     */
    public record Result(String outcome, String refusal, String reference, String digest, String registry,
                         String dockerReference, String message, String remedy) {
        public boolean verified() {
            return outcome.equals("VERIFIED");
        }

        public ObjectNode toJson() {
            ObjectNode n = Json.mapper().createObjectNode();
            n.put("image", reference);
            n.put("verified", verified());
            n.put("outcome", outcome);
            n.put("refusal", refusal);
            n.put("digest", digest);
            n.put("registry", registry);
            n.put("dockerReference", dockerReference);
            n.put("message", message);
            n.put("remedy", remedy);
            return n;
        }
    }

    /**
     * @throws DeployGuardException (bad input) when the reference or the key cannot be used, naming what is wrong
     */
    public Result verify(Request request) {
        String image = request.image().strip();
        String digest = null;
        String repositoryAndTag = image;
        int at = image.indexOf('@');
        if (at >= 0) {
            digest = image.substring(at + 1);
            repositoryAndTag = image.substring(0, at);
            if (!Digests.isSha256(digest)) {
                throw DeployGuardException.badInput("IMAGE " + image + ": the digest must be sha256:<64 lowercase"
                        + " hex>, got '" + digest + "'");
            }
        }
        String tag = null;
        int slash = repositoryAndTag.lastIndexOf('/');
        int colon = repositoryAndTag.lastIndexOf(':');
        if (colon > slash && slash >= 0) {
            tag = repositoryAndTag.substring(colon + 1);
            repositoryAndTag = repositoryAndTag.substring(0, colon);
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        ImageSpec spec = spec(request, repositoryAndTag, tag == null ? "latest" : tag);
        RegistryClient client = clients.apply(spec);
        List<String> hosts = spec.hosts();
        String shown = spec.repository() + (digest != null ? "@" + digest : ":" + tag);
        String registry = null;
        if (digest == null) {
            try {
                ImageResolver.Resolution r = new ImageResolver(client).resolve(spec, "");
                digest = r.digest();
                registry = r.host();
                hosts = r.hostsServedFirst(spec);
            } catch (ImageResolver.NotResolved e) {
                boolean denied = e.attempts().stream()
                        .anyMatch(a -> a.failure().kind() == RegistryException.Kind.DENIED);
                String outcome = e.notFound() ? "NOT_FOUND" : denied ? "DENIED" : "UNREACHABLE";
                String remedy = switch (outcome) {
                    case "NOT_FOUND" -> "push the image, or check the reference";
                    case "DENIED" -> "give credentials for " + spec.registry() + " in the Docker config (docker login "
                            + spec.registry() + ", or DOCKER_CONFIG)";
                    default -> "reach the registry " + spec.registry() + " or a mirror (--mirror), then verify again";
                };
                return new Result(outcome, null, shown, null, null, null, e.getMessage(), remedy);
            }
        }
        Verification v;
        try {
            v = new CosignVerifier(client).verify(spec, digest, hosts);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput((request.key() != null ? "--key: " : "--trusted-root: ")
                    + e.getMessage());
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.UNREACHABLE) {
                return new Result("UNREACHABLE", null, shown, digest, registry, null, e.getMessage(),
                        "reach the registry " + spec.registry() + " or a mirror (--mirror), then verify again");
            }
            return new Result("REFUSED", Verification.Refusal.BAD_SIGNATURE.name(), shown, digest, e.host(), null,
                    "the signature of " + digest + " cannot be trusted: " + e.getMessage(),
                    SignatureCheck.remedy(Verification.Refusal.BAD_SIGNATURE, spec, digest));
        }
        if (v.verified() && spec.attestations() != null) {
            // cosign verify-attestation --type T, for each kind asked, with the same key or identity
            CheckResult a = new AttestationCheck(spec, client).judgeDigest(digest, hosts, Trust.of(spec.signature()),
                    LocalDate.now(ZoneOffset.UTC));
            if (a.status() == CheckStatus.ERROR) {
                return new Result("UNREACHABLE", null, shown, digest, v.host(), null, a.evidence(), a.remedy());
            }
            if (a.status() != CheckStatus.PASS) {
                return new Result("REFUSED", "ATTESTATIONS", shown, digest, v.host(), null, v.message() + "\n"
                        + a.evidence(), a.remedy());
            }
            return new Result("VERIFIED", null, shown, digest, v.host(), v.dockerReference(), v.message() + "\n"
                    + a.evidence(), null);
        }
        if (v.verified()) {
            return new Result("VERIFIED", null, shown, digest, v.host(), v.dockerReference(), v.message(), null);
        }
        return new Result("REFUSED", v.refusal().name(), shown, digest, v.host(), null, v.message(),
                SignatureCheck.remedy(v.refusal(), spec, digest));
    }

    /** The image section a spec would hold for this reference, validated by the spec parser. */
    private static ImageSpec spec(Request request, String repository, String tag) {
        ObjectNode section = Json.mapper().createObjectNode();
        section.put("repository", repository);
        section.put("tag", tag);
        request.mirrors().forEach(section.putArray("mirrors")::add);
        if (request.insecure() != null) {
            section.put("insecure", request.insecure());
        }
        if (request.timeout() != null) {
            section.put("timeout", request.timeout());
        }
        ObjectNode signature = section.putObject("signature");
        if (request.key() != null) {
            signature.put("publicKey", request.key().toString());
        }
        if (request.keyless() != null) {
            ObjectNode k = signature.putObject("keyless");
            Keyless given = request.keyless();
            if (given.trustedRoot() != null) {
                k.put("trustedRoot", given.trustedRoot().toString());
            }
            k.put("certificateIdentity", given.identity());
            k.put("certificateIdentityRegexp", given.identityRegexp());
            k.put("certificateOidcIssuer", given.issuer());
            k.put("certificateOidcIssuerRegexp", given.issuerRegexp());
            java.util.List.of("certificateIdentity", "certificateIdentityRegexp", "certificateOidcIssuer",
                    "certificateOidcIssuerRegexp").forEach(f -> {
                        if (k.path(f).isNull()) {
                            k.remove(f);
                        }
                    });
        }
        signature.putObject("identity").put("repository", request.repository().name().toLowerCase(Locale.ROOT));
        if (!request.attestations().isEmpty()) {
            request.attestations().forEach(section.putObject("attestations").putArray("require")::add);
        }
        List<String> problems = new ArrayList<>();
        ImageSpec spec = ImageSpecParser.parse(section, "image", null, problems);
        if (spec == null || !problems.isEmpty()) {
            throw DeployGuardException.badInput(String.join("\n", problems).replace("image.signature.publicKey",
                    "--key").replace("image.signature.keyless.trustedRoot", "--trusted-root")
                    .replace("image.signature.keyless", "keyless").replace("certificateIdentityRegexp",
                            "--certificate-identity-regexp").replace("certificateOidcIssuerRegexp",
                            "--certificate-oidc-issuer-regexp").replace("certificateIdentity", "--certificate-identity")
                    .replace("certificateOidcIssuer", "--certificate-oidc-issuer").replace("image.repository", "IMAGE").replace("image.tag", "IMAGE tag")
                    .replace("image.mirrors", "--mirror").replace("image.timeout", "--timeout")
                    .replaceAll("image\\.attestations\\.require\\[\\d+]", "--attestation"));
        }
        return spec;
    }
}
