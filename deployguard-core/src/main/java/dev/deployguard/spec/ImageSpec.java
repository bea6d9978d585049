package dev.deployguard.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The app's {@code image} section: the OCI image a release runs, where to fetch it (a primary registry and mirrors
 * that serve the same repository path), how to verify its cosign signature, and what to do when no registry
 * answers. Validated once by {@link ImageSpecParser}.
 *
 * @param registry      the primary registry's host[:port], e.g. {@code 127.0.0.1:5000} or {@code ghcr.io}
 * @param path          the repository path inside every registry, e.g. {@code team/web}
 * @param tag           the tag template; {@code ${version}} is replaced by the version being deployed
 * @param mirrors       registry hosts tried in order when the primary fails; each serves the same path
 * @param insecure      plain HTTP for every host when true, HTTPS when false; null means plain HTTP for loopback
 *                      hosts only
 * @param signature     the cosign public key and whether a valid signature is required; null when not configured
 * @param lastKnownGood what a deploy does when no registry answers
 * @param timeout       the limit for each request to a registry
 * @param attestations  the in-toto attestations (SBOM, SLSA provenance, vulnerability scan) that must be attached to
 *                      the digest and signed as the signature policy requires; null when none are required
 */
public record ImageSpec(String registry, String path, String tag, List<String> mirrors, Boolean insecure,
                        Signature signature, LastKnownGood lastKnownGood, Duration timeout,
                        Attestations attestations) {
    public ImageSpec {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tag, "tag");
        mirrors = List.copyOf(mirrors);
        Objects.requireNonNull(lastKnownGood, "lastKnownGood");
        Objects.requireNonNull(timeout, "timeout");
        if (attestations != null && signature == null) {
            throw new IllegalArgumentException("attestations are verified with the signature policy: give one");
        }
    }

    /** An image without an attestation policy. */
    public ImageSpec(String registry, String path, String tag, List<String> mirrors, Boolean insecure,
                     Signature signature, LastKnownGood lastKnownGood, Duration timeout) {
        this(registry, path, tag, mirrors, insecure, signature, lastKnownGood, timeout, null);
    }

    /** The same image with this attestation policy. */
    public ImageSpec withAttestations(Attestations policy) {
        return new ImageSpec(registry, path, tag, mirrors, insecure, signature, lastKnownGood, timeout, policy);
    }

    /** A kind of attestation a policy can require. */
    public enum AttestationKind {
        /** A software bill of materials: SPDX or CycloneDX. */
        SBOM,
        /** SLSA provenance (v0.2 or v1). */
        PROVENANCE,
        /** A vulnerability scan report (cosign's vuln predicate), gated by {@code failOn}. */
        VULNERABILITIES
    }

    /**
     * {@code image.attestations}: attestations that must be attached to the image digest (cosign's {@code .att} tag
     * or Sigstore bundles among its referrers), each a DSSE envelope of an in-toto statement whose subject is the
     * digest, signed as {@code image.signature} requires.
     *
     * @param require the kinds required, in the order written
     * @param failOn  the lowest severity in an attached vulnerability scan that fails the check (one of critical,
     *                high, medium, low, negligible)
     */
    public record Attestations(List<AttestationKind> require, String failOn) {
        public Attestations {
            require = List.copyOf(require);
            Objects.requireNonNull(failOn, "failOn");
        }
    }

    /**
     * Cosign key verification: a PEM public key (ECDSA, as {@code cosign generate-key-pair} writes; RSA and Ed25519
     * keys too, as cosign accepts them), whether a valid signature is required, and whether the signed payload must
     * name this repository.
     *
     * @param publicKey  the trusted key file, or null for a keyless policy
     * @param repository {@link IdentityRepository#ANY} (default, as cosign decides: the signature binds the digest)
     *                   or {@link IdentityRepository#EXACT} (the payload's docker-reference must be this repository
     *                   or one of its mirrors)
     * @param keyless    the keyless policy (Fulcio certificate identity, trusted root), or null for a key policy
     * @param transparencyLog for a key policy: a Sigstore {@code trusted_root.json} whose Rekor log must hold each
     *                   classic key signature (as cosign requires by default), or null not to require it
     */
    public record Signature(Path publicKey, boolean required, IdentityRepository repository, Keyless keyless,
                            Path transparencyLog) {
        public Signature {
            if ((publicKey == null) == (keyless == null)) {
                throw new IllegalArgumentException("give either a public key or a keyless policy");
            }
            Objects.requireNonNull(repository, "repository");
            if (transparencyLog != null && keyless != null) {
                throw new IllegalArgumentException("a keyless policy names its trusted root in keyless.trustedRoot");
            }
        }

        /** A key policy that accepts any repository in the payload, as cosign does. */
        public Signature(Path publicKey, boolean required) {
            this(publicKey, required, IdentityRepository.ANY, null, null);
        }

        public Signature(Path publicKey, boolean required, IdentityRepository repository) {
            this(publicKey, required, repository, null, null);
        }

        public Signature(Path publicKey, boolean required, IdentityRepository repository, Keyless keyless) {
            this(publicKey, required, repository, keyless, null);
        }

        /**
         * Reads the key file.
         *
         * @throws IllegalArgumentException saying what is wrong with the file and what is expected
         */
        public PublicKey readKey() {
            if (publicKey == null) {
                throw new IllegalArgumentException("the policy is keyless: there is no public key to read");
            }
            String pem;
            try {
                pem = Files.readString(publicKey, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + publicKey + " (" + e.getClass().getSimpleName()
                        + "); expected a cosign public key file, as 'cosign generate-key-pair' writes (cosign.pub)");
            }
            int begin = pem.indexOf(PEM_BEGIN);
            int end = pem.indexOf(PEM_END);
            if (begin < 0 || end < begin) {
                throw new IllegalArgumentException(publicKey + " is not a PEM public key (no '" + PEM_BEGIN
                        + "' block); give the .pub file, never the private key");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(pem.substring(begin + PEM_BEGIN.length(), end));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(publicKey + " has a PEM block that is not base64 ("
                        + e.getMessage() + "); give the .pub file as cosign wrote it");
            }
            // The SubjectPublicKeyInfo names its algorithm; each factory accepts only its own.
            for (String algorithm : KEY_ALGORITHMS) {
                try {
                    PublicKey key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
                    if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < 2048) {
                        throw new IllegalArgumentException(publicKey + " is an RSA key of "
                                + rsa.getModulus().bitLength() + " bits; at least 2048 are required");
                    }
                    return key;
                } catch (GeneralSecurityException e) {
                    // not this algorithm: try the next
                }
            }
            throw new IllegalArgumentException(publicKey + " holds no ECDSA, RSA or Ed25519 public key; cosign key"
                    + " pairs are ECDSA P-256 (cosign generate-key-pair)");
        }
    }

    /**
     * Keyless verification, as {@code cosign verify --certificate-identity[-regexp] --certificate-oidc-issuer[-regexp]
     * --trusted-root}: the Fulcio certificate must chain to a CA of the trusted root, name the identity and issuer
     * (exactly, or a full match of the regular expression), and have been valid when the Rekor log, whose key is in the
     * trusted root, recorded the signature.
     *
     * @param trustedRoot a Sigstore {@code trusted_root.json} (the public-good one or a private instance's)
     */
    public record Keyless(Path trustedRoot, String identity, String identityRegexp, String issuer,
                          String issuerRegexp) {
        public Keyless {
            Objects.requireNonNull(trustedRoot, "trustedRoot");
            if ((identity == null) == (identityRegexp == null) || (issuer == null) == (issuerRegexp == null)) {
                throw new IllegalArgumentException("give one identity and one issuer, each exact or a regexp");
            }
        }

        /** What is required, as cosign's flags say it. */
        public String describe() {
            return (identity != null ? "identity " + identity : "identity matching " + identityRegexp)
                    + ", issuer " + (issuer != null ? issuer : "matching " + issuerRegexp);
        }
    }

    /** Whether a signature's payload must name the repository the image is pulled from. */
    public enum IdentityRepository {
        /** Any repository: the signature binds the digest (cosign's rule), so relocated and mirrored images pass. */
        ANY,
        /** The payload's docker-reference must be this repository or one of its mirrors. */
        EXACT
    }

    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519");
    private static final String PEM_BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String PEM_END = "-----END PUBLIC KEY-----";

    /** What a deploy does when neither the primary registry nor any mirror answers. */
    public enum LastKnownGood {
        /** Refuse and name the last known-good release to roll back to. */
        OFFER,
        /** Deploy the last known-good release's pinned digest, loudly. */
        USE
    }

    /** {@code registry/path}, the repository as {@code docker pull} names it. */
    public String repository() {
        return registry + "/" + path;
    }

    /** The primary followed by the mirrors: the order in which registries are tried. */
    public List<String> hosts() {
        List<String> all = new ArrayList<>();
        all.add(registry);
        all.addAll(mirrors);
        return all;
    }

    /** The tag for a version. */
    public String tagFor(String version) {
        return tag.replace("${version}", version);
    }

    /** Whether requests to {@code host} use plain HTTP. */
    public boolean plainHttp(String host) {
        return insecure != null ? insecure : isLoopback(host);
    }

    /** True for {@code localhost}, {@code 127.x.x.x} and {@code [::1]}, with or without a port. */
    public static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
    }
}
