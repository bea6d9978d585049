package dev.deployguard.supplychain.check;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.spec.ImageSpec.AttestationKind;
import dev.deployguard.supplychain.attest.AttestationFinder;
import dev.deployguard.supplychain.attest.Predicates;
import dev.deployguard.supplychain.cosign.Trust;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import dev.deployguard.supplychain.scan.ScanReport;
import dev.deployguard.supplychain.scan.ScanReports;
import dev.deployguard.supplychain.scan.Severity;
import dev.deployguard.supplychain.scan.UnreadableReportException;
import dev.deployguard.supplychain.scan.VulnerabilityGate;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code image.attestations}: each kind {@code image.attestations.require} names (an SBOM, SLSA provenance, a
 * vulnerability scan) is attached to the image digest and signed as {@code image.signature} requires — as
 * {@code cosign verify-attestation --type T --key K} decides — and its predicate is of the format its type names.
 * An attached vulnerability scan is gated like a scanner report ({@code failOn}). PASS names each attestation with
 * its evidence; FAIL (WARN when {@code signature.required: false}) names what is missing and what was refused;
 * ERROR when no registry can be read.
 */
public final class AttestationCheck extends DigestPolicyCheck {
    public static final String NAME = CheckNames.IMAGE_ATTESTATIONS;

    public AttestationCheck(ImageSpec image, RegistryClient client) {
        super(image, client);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    String nothingToCheck() {
        return image.attestations() == null || image.signature() == null
                ? "no image.attestations policy for " + image.repository() : null;
    }

    @Override
    CheckResult unreadableTrust(IllegalArgumentException e) {
        return CheckResult.error(NAME, "cannot read the signature policy: " + e.getMessage(), "fix image.signature");
    }

    @Override
    CheckResult judge(String digest, List<String> hosts, Trust trust, CheckContext context) {
        return judgeDigest(digest, hosts, trust, LocalDate.ofInstant(context.clock().instant(), ZoneOffset.UTC));
    }

    /**
     * Judges the attestations of a known digest on these registries (in order), as {@link #run} does once the digest
     * is known (also for {@code deployguard verify --attestation}).
     */
    public CheckResult judgeDigest(String digest, List<String> hosts, Trust trust, LocalDate today) {
        AttestationFinder.Found found;
        try {
            found = new AttestationFinder(client).find(image, digest, trust, hosts);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.INVALID) {
                return CheckResult.fail(NAME, "the attestations of " + digest + " cannot be read: " + e.getMessage(),
                        "re-attach them with cosign attest").withData(Map.of("digest", digest));
            }
            return unreachable(e, Map.of("digest", digest));
        }
        return judgeFound(found, digest, trust, today);
    }

    private CheckResult judgeFound(AttestationFinder.Found found, String digest, Trust trust, LocalDate today) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("digest", digest);
        data.put("registry", found.host());
        List<Map<String, String>> attached = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        List<AttestationKind> missing = new ArrayList<>();
        boolean vulnerable = false;
        for (AttestationKind kind : image.attestations().require()) {
            List<String> good = new ArrayList<>();
            List<String> malformed = new ArrayList<>();
            List<ScanReport> scans = new ArrayList<>();
            for (AttestationFinder.Attested a : found.attested()) {
                if (Predicates.kindOf(a.predicateType()) != kind) {
                    continue;
                }
                try {
                    String what = Predicates.describe(a.predicateType(), a.predicate());
                    if (kind == AttestationKind.VULNERABILITIES) {
                        scans.add(ScanReports.parse(Path.of(a.where()), a.predicate().path("scanner").path("result")));
                    }
                    good.add(what + " (predicate " + a.predicateType() + "): " + a.signer());
                    attached.add(Map.of("kind", kind.name().toLowerCase(java.util.Locale.ROOT), "predicateType",
                            a.predicateType(), "where", a.where()));
                } catch (IllegalArgumentException | UnreadableReportException e) {
                    malformed.add(a.where() + " verifies, but " + e.getMessage());
                }
            }
            String label = Predicates.label(kind);
            if (good.isEmpty()) {
                missing.add(kind);
                lines.add("no verified " + label + " attestation for " + digest + why(kind, found, malformed));
                continue;
            }
            lines.add(label + ": " + String.join("; ", good));
            if (!scans.isEmpty()) {
                Severity failOn = Severity.parse(image.attestations().failOn()).orElse(Severity.HIGH);
                CheckResult gate = VulnerabilityGate.forAttached(failOn, List.of()).judgeReports(scans, digest, today);
                lines.add("attached scan: " + gate.evidence());
                data.put("vulnerabilities", gate.data());
                vulnerable = gate.status() == CheckStatus.FAIL;
            }
        }
        data.put("attestations", attached);
        data.put("rejected", found.rejected().stream().map(r -> Map.of("where", r.where(), "refusal",
                r.refusal().name(), "predicateType", String.valueOf(r.claimedPredicateType()))).toList());
        String evidence = String.join(". ", lines);
        if (missing.isEmpty() && !vulnerable) {
            return CheckResult.pass(NAME, evidence).withData(data);
        }
        data.put("missing", missing.stream().map(k -> k.name().toLowerCase(java.util.Locale.ROOT)).toList());
        String remedy = missing.isEmpty()
                ? "upgrade the packages the attached scan lists, rebuild, scan and attest the new digest"
                : "attach them signed by " + trust.describe() + ", e.g. " + String.join("; ", missing.stream()
                .map(k -> "cosign attest --key cosign.key --type " + Predicates.cosignType(k) + " "
                        + image.repository() + "@" + digest).toList());
        return refused(evidence, remedy, data);
    }

    /** Why a kind is missing: what was malformed, refused or attached instead. */
    private static String why(AttestationKind kind, AttestationFinder.Found found, List<String> malformed) {
        List<String> parts = new ArrayList<>(malformed);
        for (AttestationFinder.Rejected r : found.rejected()) {
            AttestationKind claimed = Predicates.kindOf(r.claimedPredicateType());
            if (claimed == kind || claimed == null) {
                parts.add("refused " + r.refusal() + ": " + r.message());
            }
        }
        List<String> others = found.attested().stream().filter(a -> Predicates.kindOf(a.predicateType()) != kind)
                .map(a -> a.predicateType() + " in " + a.where()).toList();
        if (!others.isEmpty()) {
            parts.add("verified attestations of other predicate types: " + String.join(", ", others));
        }
        if (parts.isEmpty()) {
            parts.add("nothing is attached (looked at " + found.lookedAt() + ")");
        }
        return ": " + String.join("; ", parts);
    }
}
