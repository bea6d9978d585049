package dev.deployguard.cli;

import dev.deployguard.error.ExitCode;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.verify.ImageVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deployguard verify IMAGE --key K}: one image's signature, verified as a deploy verifies it, with no spec and
 * no control plane — cosign users' {@code cosign verify}. Exit 0 when verified, 1 when not (the reason printed).
 */
@Command(name = "verify", description = "Verify an image's cosign signature (key or keyless) as a deploy does (no"
        + " spec, no server), and with --attestation its SBOM, SLSA provenance or vulnerability-scan attestations;"
        + " exit 0 when verified, 1 when not, 2 on a bad reference, key or flag.")
final class VerifyCommand implements Callable<Integer> {
    enum Format { text, json }

    @Parameters(index = "0", paramLabel = "IMAGE", description = "registry/path[:tag][@sha256:digest]")
    String image;
    @Option(names = "--key", description = "The cosign public key (PEM: ECDSA, RSA or Ed25519)")
    Path key;
    @Option(names = "--certificate-identity", description = "Keyless: the signer's identity (e-mail or URI)")
    String identity;
    @Option(names = "--certificate-identity-regexp", description = "Keyless: a regexp the identity must match")
    String identityRegexp;
    @Option(names = "--certificate-oidc-issuer", description = "Keyless: the OIDC issuer of the identity")
    String issuer;
    @Option(names = "--certificate-oidc-issuer-regexp", description = "Keyless: a regexp the issuer must match")
    String issuerRegexp;
    @Option(names = "--trusted-root", description = "Keyless: a Sigstore trusted_root.json (verification is offline)")
    Path trustedRoot;
    @Option(names = "--repository", defaultValue = "any", description = "Whether the signed payload must name this"
            + " repository or a mirror: any (default, as cosign) or exact")
    String repository;
    @Option(names = "--mirror", description = "A registry host that serves the same path (repeatable)")
    List<String> mirrors = new ArrayList<>();
    @Option(names = "--insecure", description = "Plain HTTP to every registry (default: loopback hosts only)")
    Boolean insecure;
    @Option(names = "--attestation", paramLabel = "KIND", description = "Also require an attestation of this kind"
            + " attached to the digest and signed as the signature (sbom, provenance or vulnerabilities; repeatable),"
            + " as cosign verify-attestation --type")
    List<String> attestations = new ArrayList<>();
    @Option(names = "--timeout", defaultValue = "5s", description = "Limit for each registry request")
    String timeout;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES}")
    Format format;

    @Override
    public Integer call() {
        ImageSpec.IdentityRepository rule = switch (repository) {
            case "exact" -> ImageSpec.IdentityRepository.EXACT;
            case "any" -> ImageSpec.IdentityRepository.ANY;
            default -> throw dev.deployguard.error.DeployGuardException.badInput("--repository: expected any or"
                    + " exact, got '" + repository + "'");
        };
        boolean keyless = identity != null || identityRegexp != null || issuer != null || issuerRegexp != null
                || trustedRoot != null;
        if ((key == null) == !keyless) {
            throw dev.deployguard.error.DeployGuardException.badInput("give --key K, or keyless --trusted-root F"
                    + " --certificate-identity[-regexp] ... --certificate-oidc-issuer[-regexp] ...; not both");
        }
        var result = ImageVerifier.standard().verify(new ImageVerifier.Request(image,
                key == null ? null : key.toAbsolutePath(), keyless ? new ImageVerifier.Keyless(trustedRoot == null
                ? null : trustedRoot.toAbsolutePath(), identity, identityRegexp, issuer, issuerRegexp) : null, rule,
                mirrors, insecure, timeout, attestations));
        if (format == Format.json) {
            System.out.println(Output.pretty(result.toJson()));
        } else if (result.verified()) {
            System.out.println("VERIFIED " + result.reference() + " (" + result.digest() + ")");
            System.out.println(result.message());
        } else {
            System.out.println("NOT VERIFIED " + result.reference() + (result.digest() == null ? ""
                    : " (" + result.digest() + ")") + ": " + (result.refusal() != null ? result.refusal()
                    : result.outcome()));
            System.out.println(result.message());
            System.out.println("remedy: " + result.remedy());
        }
        return result.verified() ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }
}
