package dev.deployguard.supplychain.attest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.spec.ImageSpec.AttestationKind;

/**
 * The in-toto predicate types of the attestations a policy can require, as cosign names them for
 * {@code cosign attest --type} (sigstore/cosign {@code cmd/cosign/cli/options/predicate.go},
 * {@code pkg/cosign/attestation/attestation.go}): {@code spdx}/{@code spdxjson}, {@code cyclonedx},
 * {@code slsaprovenance02}/{@code slsaprovenance1}, {@code vuln}. A predicate is also checked to be of the format its
 * type claims, since the type is only a name the signer chose.
 */
public final class Predicates {
    public static final String SPDX = "https://spdx.dev/Document";
    public static final String CYCLONEDX = "https://cyclonedx.org/bom";
    public static final String SLSA_V02 = "https://slsa.dev/provenance/v0.2";
    public static final String SLSA_V1 = "https://slsa.dev/provenance/v1";
    public static final String COSIGN_VULN = "https://cosign.sigstore.dev/attestation/vuln/v1";

    private Predicates() {
    }

    /** The kind a predicate type is, or null when it is none the policy knows. */
    public static AttestationKind kindOf(String predicateType) {
        if (predicateType == null) {
            return null;
        }
        if (predicateType.equals(SPDX) || predicateType.startsWith(SPDX + "/")
                || predicateType.equals(CYCLONEDX) || predicateType.startsWith(CYCLONEDX + "/")) {
            return AttestationKind.SBOM;
        }
        if (predicateType.equals(SLSA_V02) || predicateType.equals(SLSA_V1)) {
            return AttestationKind.PROVENANCE;
        }
        return predicateType.equals(COSIGN_VULN) ? AttestationKind.VULNERABILITIES : null;
    }

    /** How a kind is named in messages. */
    public static String label(AttestationKind kind) {
        return switch (kind) {
            case SBOM -> "SBOM (SPDX or CycloneDX)";
            case PROVENANCE -> "SLSA provenance";
            case VULNERABILITIES -> "vulnerability scan (cosign vuln)";
        };
    }

    /** The {@code cosign attest --type} that makes a kind, for remedies. */
    public static String cosignType(AttestationKind kind) {
        return switch (kind) {
            case SBOM -> "spdxjson --predicate sbom.spdx.json (or --type cyclonedx)";
            case PROVENANCE -> "slsaprovenance1 --predicate provenance.json";
            case VULNERABILITIES -> "vuln --predicate scan.json";
        };
    }

    /**
     * One sentence about the predicate (format, version, what it covers).
     *
     * @throws IllegalArgumentException saying why the predicate is not of the format its type names
     */
    public static String describe(String predicateType, JsonNode predicate) {
        if (predicateType.startsWith(SPDX)) {
            if (predicate.isTextual() && predicate.asText().contains("SPDXVersion:")) {
                return "SPDX tag-value document";
            }
            String version = predicate.path("spdxVersion").asText("");
            if (!version.startsWith("SPDX-")) {
                throw new IllegalArgumentException("its predicate is not an SPDX document (no spdxVersion)");
            }
            return "SPDX document " + version + named(predicate.path("name")) + ", "
                    + predicate.path("packages").size() + " package(s)";
        }
        if (predicateType.startsWith(CYCLONEDX)) {
            if (!"CycloneDX".equals(predicate.path("bomFormat").asText(""))) {
                throw new IllegalArgumentException("its predicate is not a CycloneDX BOM (bomFormat is not CycloneDX)");
            }
            return "CycloneDX " + predicate.path("specVersion").asText("?") + " BOM, "
                    + predicate.path("components").size() + " component(s)";
        }
        if (predicateType.equals(SLSA_V02)) {
            String builder = predicate.path("builder").path("id").asText("");
            if (builder.isEmpty()) {
                throw new IllegalArgumentException("its SLSA v0.2 predicate names no builder.id");
            }
            return "SLSA v0.2 provenance, builder " + builder + ", build type "
                    + predicate.path("buildType").asText("(none)");
        }
        if (predicateType.equals(SLSA_V1)) {
            String builder = predicate.path("runDetails").path("builder").path("id").asText("");
            if (builder.isEmpty() || !predicate.path("buildDefinition").isObject()) {
                throw new IllegalArgumentException("its SLSA v1 predicate lacks buildDefinition or"
                        + " runDetails.builder.id");
            }
            return "SLSA v1 provenance, builder " + builder + ", build type "
                    + predicate.path("buildDefinition").path("buildType").asText("(none)");
        }
        if (predicateType.equals(COSIGN_VULN)) {
            JsonNode scanner = predicate.path("scanner");
            if (!scanner.path("result").isObject()) {
                throw new IllegalArgumentException("its vuln predicate has no scanner.result report");
            }
            return "vulnerability scan by " + scanner.path("uri").asText("(unnamed scanner)") + " "
                    + scanner.path("version").asText("");
        }
        throw new IllegalArgumentException("predicate type " + predicateType + " is not one DeployGuard reads");
    }

    private static String named(JsonNode name) {
        return name.isTextual() && !name.asText().isBlank() ? " '" + name.asText() + "'" : "";
    }
}
