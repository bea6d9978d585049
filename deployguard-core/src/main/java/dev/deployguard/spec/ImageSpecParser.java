package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates an app's {@code image} section (see {@link ImageSpec}). */
public final class ImageSpecParser {
    /** Docker's rule: the first component is a registry host when it has a dot, a colon or is localhost. */
    private static final Pattern HOST = Pattern.compile(
            "(localhost|\\[[0-9a-fA-F:]+]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)"
                    + "(:[0-9]{1,5})?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private ImageSpecParser() {
    }

    /** The section as written in YAML. */
    static final class Raw {
        public String repository;
        public String tag;
        public List<String> mirrors;
        public Boolean insecure;
        public RawSignature signature;
        public String lastKnownGood;
        public String timeout;
        public RawAttestations attestations;
    }

    /** {@code image.attestations} as written. */
    static final class RawAttestations {
        public List<String> require;
        public String failOn;
    }

    /** {@code image.signature} as written. */
    static final class RawSignature {
        public String publicKey;
        public Boolean required;
        public RawIdentity identity;
        public RawKeyless keyless;
        public RawTransparencyLog transparencyLog;
    }

    /** {@code image.signature.transparencyLog} as written. */
    static final class RawTransparencyLog {
        public String trustedRoot;
    }

    /** {@code image.signature.keyless} as written (cosign's flag names). */
    static final class RawKeyless {
        public String trustedRoot;
        public String certificateIdentity;
        public String certificateIdentityRegexp;
        public String certificateOidcIssuer;
        public String certificateOidcIssuerRegexp;
    }

    /** {@code image.signature.identity} as written. */
    static final class RawIdentity {
        public String repository;
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static ImageSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        Raw raw = SpecSections.read(node, Raw.class, at, problems);
        if (raw == null) {
            return null;
        }
        int before = problems.size();
        String registry = null;
        String path = null;
        if (raw.repository == null || raw.repository.isBlank()) {
            problems.add(at + ".repository: missing; expected registry host and path, e.g. ghcr.io/team/web or"
                    + " 127.0.0.1:5000/team/web");
        } else {
            String repo = raw.repository.strip();
            int slash = repo.indexOf('/');
            String first = slash < 0 ? repo : repo.substring(0, slash);
            if (slash < 0 || !(first.contains(".") || first.contains(":") || first.equals("localhost"))
                    || !HOST.matcher(first).matches()) {
                problems.add(at + ".repository: expected a registry host first (a name with a dot or a port, or"
                        + " localhost), then the path, e.g. ghcr.io/team/web; got '" + repo + "'");
            } else if (repo.contains("@") || repo.substring(slash).contains(":")) {
                problems.add(at + ".repository: give the repository without a tag or digest, got '" + repo
                        + "'; put the tag in " + at + ".tag (default \"${version}\")");
            } else {
                path = repo.substring(slash + 1);
                for (String c : path.split("/", -1)) {
                    if (!PATH_COMPONENT.matcher(c).matches()) {
                        problems.add(at + ".repository: path component '" + c + "' must be lowercase letters and"
                                + " digits, separated by '.', '_' or '-' (got '" + repo + "')");
                        path = null;
                        break;
                    }
                }
                registry = first;
            }
        }
        String tag = raw.tag == null ? "${version}" : raw.tag;
        var placeholders = Pattern.compile("\\$\\{([^}]*)}").matcher(tag);
        boolean badPlaceholder = false;
        while (placeholders.find()) {
            if (!placeholders.group(1).equals("version")) {
                problems.add(at + ".tag: unknown placeholder ${" + placeholders.group(1) + "}; only ${version}");
                badPlaceholder = true;
            }
        }
        if (!badPlaceholder && !TAG.matcher(tag.replace("${version}", "v")).matches()) {
            problems.add(at + ".tag: '" + tag + "' is not a valid tag: up to 128 letters, digits, '_', '.', '-',"
                    + " not starting with '.' or '-'");
        }
        List<String> mirrors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        if (registry != null) {
            seen.add(registry);
        }
        List<String> rawMirrors = raw.mirrors == null ? List.of() : raw.mirrors;
        for (int i = 0; i < rawMirrors.size(); i++) {
            String m = rawMirrors.get(i);
            String where = at + ".mirrors[" + i + "]";
            if (m == null || !HOST.matcher(m.strip()).matches()) {
                problems.add(where + ": expected a registry host[:port] that serves the same repository path,"
                        + " e.g. mirror.example.com or 127.0.0.1:5001; got '" + m + "'");
            } else if (!seen.add(m.strip())) {
                problems.add(where + ": '" + m.strip() + "' is listed twice (or is the primary registry)");
            } else {
                mirrors.add(m.strip());
            }
        }
        ImageSpec.Signature signature = null;
        if (raw.signature != null) {
            ImageSpec.IdentityRepository repository = ImageSpec.IdentityRepository.ANY;
            String rule = raw.signature.identity == null ? null : raw.signature.identity.repository;
            if (rule != null) {
                switch (rule.toLowerCase(Locale.ROOT)) {
                    case "any" -> repository = ImageSpec.IdentityRepository.ANY;
                    case "exact" -> repository = ImageSpec.IdentityRepository.EXACT;
                    default -> problems.add(at + ".signature.identity.repository: expected any (the signature"
                            + " binds the digest, as cosign decides) or exact (the signed payload must name this"
                            + " repository or a mirror), got '" + rule + "'");
                }
            }
            boolean required = raw.signature.required == null || raw.signature.required;
            boolean hasKey = raw.signature.publicKey != null && !raw.signature.publicKey.isBlank();
            if (hasKey && raw.signature.keyless != null) {
                problems.add(at + ".signature: give publicKey or keyless, not both");
            } else if (raw.signature.keyless != null && raw.signature.transparencyLog != null) {
                problems.add(at + ".signature.transparencyLog: a keyless policy names its trusted root in"
                        + " keyless.trustedRoot");
            } else if (raw.signature.keyless != null) {
                ImageSpec.Keyless keyless = keyless(raw.signature.keyless, at + ".signature.keyless", baseDir,
                        problems);
                if (keyless != null) {
                    signature = new ImageSpec.Signature(null, required, repository, keyless);
                }
            } else if (!hasKey) {
                problems.add(at + ".signature.publicKey: missing; expected the path of a cosign public key (PEM),"
                        + " e.g. keys/cosign.pub (or signature.keyless for keyless signatures)");
            } else {
                Path key = baseDir == null ? Path.of(raw.signature.publicKey)
                        : baseDir.resolve(raw.signature.publicKey).normalize();
                Path tlog = null;
                if (raw.signature.transparencyLog != null) {
                    String root = raw.signature.transparencyLog.trustedRoot;
                    tlog = root == null || root.isBlank() ? null
                            : baseDir == null ? Path.of(root) : baseDir.resolve(root).normalize();
                    if (tlog == null || !java.nio.file.Files.isReadable(tlog)) {
                        problems.add(at + ".signature.transparencyLog.trustedRoot: expected a readable Sigstore"
                                + " trusted_root.json, got '" + root + "'");
                    }
                }
                var candidate = new ImageSpec.Signature(key, required, repository, null, tlog);
                try {
                    candidate.readKey();
                    signature = candidate;
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".signature.publicKey: " + e.getMessage());
                }
            }
        }
        ImageSpec.LastKnownGood lkg = ImageSpec.LastKnownGood.OFFER;
        if (raw.lastKnownGood != null) {
            switch (raw.lastKnownGood.toLowerCase(Locale.ROOT)) {
                case "offer" -> lkg = ImageSpec.LastKnownGood.OFFER;
                case "use" -> lkg = ImageSpec.LastKnownGood.USE;
                default -> problems.add(at + ".lastKnownGood: expected offer (refuse and name the last known-good"
                        + " release) or use (deploy its digest), got '" + raw.lastKnownGood + "'");
            }
        }
        Duration timeout = SpecSections.duration(raw.timeout, DEFAULT_TIMEOUT, at + ".timeout", problems);
        if (timeout != null && timeout.isZero()) {
            problems.add(at + ".timeout: expected more than 0");
        }
        ImageSpec.Attestations attestations = raw.attestations == null ? null
                : attestations(raw.attestations, at + ".attestations", raw.signature != null, problems);
        if (problems.size() > before || registry == null || path == null) {
            return null;
        }
        return new ImageSpec(registry, path, tag, mirrors, raw.insecure, signature, lkg, timeout, attestations);
    }

    private static ImageSpec.Attestations attestations(RawAttestations raw, String at, boolean signed,
                                                       List<String> problems) {
        int before = problems.size();
        if (!signed) {
            problems.add(at + ": attestations are trusted only when signed by the image's signer: add"
                    + " image.signature (publicKey or keyless)");
        }
        List<ImageSpec.AttestationKind> kinds = new ArrayList<>();
        if (raw.require == null || raw.require.isEmpty()) {
            problems.add(at + ".require: missing; expected a list of sbom, provenance, vulnerabilities");
        } else {
            for (int i = 0; i < raw.require.size(); i++) {
                String k = raw.require.get(i) == null ? "" : raw.require.get(i).strip().toLowerCase(Locale.ROOT);
                ImageSpec.AttestationKind kind = switch (k) {
                    case "sbom" -> ImageSpec.AttestationKind.SBOM;
                    case "provenance", "slsa" -> ImageSpec.AttestationKind.PROVENANCE;
                    case "vulnerabilities", "vuln" -> ImageSpec.AttestationKind.VULNERABILITIES;
                    default -> null;
                };
                if (kind == null) {
                    problems.add(at + ".require[" + i + "]: expected sbom (SPDX or CycloneDX), provenance (SLSA) or"
                            + " vulnerabilities (cosign vuln scan), got '" + raw.require.get(i) + "'");
                } else if (kinds.contains(kind)) {
                    problems.add(at + ".require[" + i + "]: " + k + " is listed twice");
                } else {
                    kinds.add(kind);
                }
            }
        }
        String failOn = raw.failOn == null ? "high" : raw.failOn.strip().toLowerCase(Locale.ROOT);
        if (!ChecksSpec.SEVERITIES.contains(failOn)) {
            problems.add(at + ".failOn: expected one of " + String.join(", ", ChecksSpec.SEVERITIES) + ", got '"
                    + raw.failOn + "'");
        }
        return problems.size() > before ? null : new ImageSpec.Attestations(kinds, failOn);
    }

    private static ImageSpec.Keyless keyless(RawKeyless raw, String at, Path baseDir, List<String> problems) {
        int before = problems.size();
        if (raw.trustedRoot == null || raw.trustedRoot.isBlank()) {
            problems.add(at + ".trustedRoot: missing; expected a Sigstore trusted_root.json (verification is offline)");
        }
        if ((raw.certificateIdentity == null) == (raw.certificateIdentityRegexp == null)) {
            problems.add(at + ": give one of certificateIdentity or certificateIdentityRegexp (as cosign's"
                    + " --certificate-identity[-regexp])");
        }
        if ((raw.certificateOidcIssuer == null) == (raw.certificateOidcIssuerRegexp == null)) {
            problems.add(at + ": give one of certificateOidcIssuer or certificateOidcIssuerRegexp (as cosign's"
                    + " --certificate-oidc-issuer[-regexp])");
        }
        for (String[] re : new String[][] {{"certificateIdentityRegexp", raw.certificateIdentityRegexp},
                {"certificateOidcIssuerRegexp", raw.certificateOidcIssuerRegexp}}) {
            if (re[1] != null) {
                try {
                    Pattern.compile(re[1]);
                } catch (java.util.regex.PatternSyntaxException e) {
                    problems.add(at + "." + re[0] + ": not a regular expression: " + e.getDescription());
                }
            }
        }
        if (problems.size() > before) {
            return null;
        }
        Path root = baseDir == null ? Path.of(raw.trustedRoot) : baseDir.resolve(raw.trustedRoot).normalize();
        if (!java.nio.file.Files.isReadable(root)) {
            problems.add(at + ".trustedRoot: cannot read " + root + "; expected a Sigstore trusted_root.json");
            return null;
        }
        return new ImageSpec.Keyless(root, raw.certificateIdentity, raw.certificateIdentityRegexp,
                raw.certificateOidcIssuer, raw.certificateOidcIssuerRegexp);
    }
}
