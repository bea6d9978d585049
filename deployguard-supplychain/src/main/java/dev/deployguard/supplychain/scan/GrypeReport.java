package dev.deployguard.supplychain.scan;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads Grype's JSON output ({@code grype IMAGE -o json}): {@code matches[].vulnerability.{id,severity,fix.versions}},
 * {@code matches[].artifact.{name,version}}, and the scanned image in {@code source.target} ({@code manifestDigest},
 * {@code repoDigests[]} as {@code name@sha256:...}; for a directory scan {@code target} is a plain string).
 */
final class GrypeReport {
    private GrypeReport() {
    }

    static boolean looksLike(JsonNode root) {
        return root.path("matches").isArray() && (root.has("source") || root.has("descriptor"));
    }

    static ScanReport read(Path file, JsonNode root) throws UnreadableReportException {
        ReportJson json = new ReportJson(file, "grype");
        List<Finding> findings = new ArrayList<>();
        List<JsonNode> matches = json.array(root, "", "matches");
        for (int i = 0; i < matches.size(); i++) {
            String at = "/matches/" + i;
            JsonNode vuln = json.object(matches.get(i), at, "vulnerability");
            JsonNode artifact = json.object(matches.get(i), at, "artifact");
            List<String> fixes = new ArrayList<>();
            for (JsonNode v : json.optionalArray(vuln.path("fix"), at + "/vulnerability/fix", "versions")) {
                fixes.add(v.asText());
            }
            findings.add(new Finding(json.text(vuln, at + "/vulnerability", "id"),
                    json.severity(vuln, at + "/vulnerability", "severity"),
                    ReportJson.optionalText(artifact, "name"), ReportJson.optionalText(artifact, "version"),
                    fixes.isEmpty() ? null : String.join(" or ", fixes)));
        }
        JsonNode target = root.path("source").path("target");
        Set<String> digests = new LinkedHashSet<>();
        String name = null;
        if (target.isObject()) {
            name = ReportJson.optionalText(target, "userInput");
            addIfDigest(digests, ReportJson.optionalText(target, "manifestDigest"));
            for (JsonNode d : json.optionalArray(target, "/source/target", "repoDigests")) {
                addIfDigest(digests, d.asText());
            }
        } else if (target.isTextual()) {
            name = target.asText();
        }
        return new ScanReport(file, "grype", name, List.copyOf(digests), findings);
    }

    private static void addIfDigest(Set<String> digests, String reference) {
        String d = ReportJson.digestOf(reference);
        if (d != null) {
            digests.add(d);
        }
    }
}
