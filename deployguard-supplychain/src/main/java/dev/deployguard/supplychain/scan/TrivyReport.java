package dev.deployguard.supplychain.scan;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads Trivy's JSON output (schema version 2, {@code trivy image -f json}):
 * {@code Results[].Vulnerabilities[].{VulnerabilityID,Severity,PkgName,InstalledVersion,FixedVersion}}, with the
 * scanned image in {@code ArtifactName} and {@code Metadata.RepoDigests[]} ({@code name@sha256:...}).
 * {@code Metadata.ImageID} is the config blob's digest, not the manifest's, so it is not compared.
 */
final class TrivyReport {
    private TrivyReport() {
    }

    static boolean looksLike(JsonNode root) {
        return root.has("SchemaVersion") && (root.has("Results") || root.has("ArtifactName"));
    }

    static ScanReport read(Path file, JsonNode root) throws UnreadableReportException {
        ReportJson json = new ReportJson(file, "trivy");
        int schema = root.path("SchemaVersion").asInt(-1);
        if (schema != 2) {
            throw json.problem("/SchemaVersion", "is " + root.path("SchemaVersion") + "; only schema version 2"
                    + " (Trivy 0.20 and later) is understood");
        }
        List<Finding> findings = new ArrayList<>();
        List<JsonNode> results = json.optionalArray(root, "", "Results");
        for (int r = 0; r < results.size(); r++) {
            List<JsonNode> vulns = json.optionalArray(results.get(r), "/Results/" + r, "Vulnerabilities");
            for (int v = 0; v < vulns.size(); v++) {
                String at = "/Results/" + r + "/Vulnerabilities/" + v;
                JsonNode vuln = vulns.get(v);
                findings.add(new Finding(json.text(vuln, at, "VulnerabilityID"), json.severity(vuln, at, "Severity"),
                        ReportJson.optionalText(vuln, "PkgName"), ReportJson.optionalText(vuln, "InstalledVersion"),
                        ReportJson.optionalText(vuln, "FixedVersion")));
            }
        }
        Set<String> digests = new LinkedHashSet<>();
        for (JsonNode d : json.optionalArray(root.path("Metadata"), "/Metadata", "RepoDigests")) {
            String digest = ReportJson.digestOf(d.asText());
            if (digest != null) {
                digests.add(digest);
            }
        }
        return new ScanReport(file, "trivy", ReportJson.optionalText(root, "ArtifactName"), List.copyOf(digests),
                findings);
    }
}
