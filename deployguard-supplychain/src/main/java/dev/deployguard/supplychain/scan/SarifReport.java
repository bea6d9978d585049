package dev.deployguard.supplychain.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads SARIF 2.1.0 as Grype ({@code -o sarif}) and Trivy ({@code -f sarif}) write it. The severity of a result is
 * taken from, in order: a severity word among its rule's {@code properties.tags} (Trivy), the rule's
 * {@code properties.security-severity} CVSS score (both), the result's {@code level} or the rule's
 * {@code defaultConfiguration.level} (error = high, warning = medium, note = low, none = negligible). The vulnerability
 * id is the CVE/GHSA id the rule id starts with (Grype's rule ids are {@code CVE-...-package}); package, version and
 * fix come from the "Package:", "(Installed) Version:" and "Fix(ed) Version:" lines both scanners write. Results whose
 * rule is tagged but not as a vulnerability (Trivy's misconfigurations, secrets, licenses) are not findings here.
 */
final class SarifReport {
    private static final Pattern VULN_ID = Pattern.compile("^(CVE-\\d{4}-\\d+|GHSA(?:-[0-9a-z]{4}){3})",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern PACKAGE = Pattern.compile("(?m)^Package: *(.+)$");
    private static final Pattern VERSION = Pattern.compile("(?m)^(?:Installed )?Version: *(.+)$");
    private static final Pattern FIXED = Pattern.compile("(?m)^Fix(?:ed)? Version: *(.*)$");

    private SarifReport() {
    }

    static boolean looksLike(JsonNode root) {
        return root.path("runs").isArray()
                && (root.has("version") || root.path("$schema").asText("").contains("sarif"));
    }

    static ScanReport read(Path file, JsonNode root) throws UnreadableReportException {
        ReportJson json = new ReportJson(file, "sarif");
        String version = root.path("version").asText("");
        if (!"2.1.0".equals(version)) {
            throw json.problem("/version", "is '" + version + "'; only SARIF 2.1.0 is understood");
        }
        List<Finding> findings = new ArrayList<>();
        Set<String> digests = new LinkedHashSet<>();
        String target = null;
        List<JsonNode> runs = json.array(root, "", "runs");
        for (int r = 0; r < runs.size(); r++) {
            String runAt = "/runs/" + r;
            JsonNode run = runs.get(r);
            JsonNode driver = json.object(json.object(run, runAt, "tool"), runAt + "/tool", "driver");
            List<JsonNode> rules = json.optionalArray(driver, runAt + "/tool/driver", "rules");
            Map<String, JsonNode> rulesById = new HashMap<>();
            rules.forEach(rule -> rulesById.put(rule.path("id").asText(), rule));
            List<JsonNode> results = json.optionalArray(run, runAt, "results");
            for (int i = 0; i < results.size(); i++) {
                String at = runAt + "/results/" + i;
                JsonNode result = results.get(i);
                JsonNode rule = ruleOf(result, rules, rulesById);
                String ruleId = ReportJson.optionalText(result, "ruleId");
                if (ruleId == null) {
                    ruleId = ReportJson.optionalText(rule, "id");
                }
                if (ruleId == null) {
                    throw json.problem(at + "/ruleId", "is missing (and no rule is referenced)");
                }
                if (!isVulnerability(rule)) {
                    continue;
                }
                String text = result.path("message").path("text").asText("") + "\n"
                        + rule.path("help").path("text").asText("");
                findings.add(new Finding(vulnerabilityId(ruleId), severity(json, at, result, rule),
                        first(PACKAGE, text), first(VERSION, text), first(FIXED, text)));
            }
            JsonNode props = run.path("properties");
            if (target == null) {
                target = ReportJson.optionalText(props, "imageName");
            }
            for (JsonNode d : json.optionalArray(props, runAt + "/properties", "repoDigests")) {
                String digest = ReportJson.digestOf(d.asText());
                if (digest != null) {
                    digests.add(digest);
                }
            }
        }
        return new ScanReport(file, "sarif", target, List.copyOf(digests), findings);
    }

    private static JsonNode ruleOf(JsonNode result, List<JsonNode> rules, Map<String, JsonNode> byId) {
        int index = result.path("ruleIndex").asInt(-1);
        if (index >= 0 && index < rules.size()) {
            return rules.get(index);
        }
        JsonNode rule = byId.get(result.path("ruleId").asText());
        return rule == null ? MissingNode.getInstance() : rule;
    }

    private static boolean isVulnerability(JsonNode rule) {
        JsonNode tags = rule.path("properties").path("tags");
        if (!tags.isArray() || tags.isEmpty()) {
            return true;
        }
        for (JsonNode t : tags) {
            if ("vulnerability".equalsIgnoreCase(t.asText())) {
                return true;
            }
        }
        return false;
    }

    private static Severity severity(ReportJson json, String at, JsonNode result, JsonNode rule)
            throws UnreadableReportException {
        JsonNode props = rule.path("properties");
        for (JsonNode t : props.path("tags")) {
            Optional<Severity> s = Severity.parse(t.asText());
            if (s.isPresent()) {
                return s.get();
            }
        }
        JsonNode score = props.path("security-severity");
        if (!score.isMissingNode() && !score.isNull()) {
            try {
                return Severity.fromCvss(Double.parseDouble(score.asText()));
            } catch (NumberFormatException e) {
                throw json.problem(at + " (rule " + rule.path("id").asText() + ") properties/security-severity",
                        "is '" + score.asText() + "', not a CVSS score");
            }
        }
        String level = ReportJson.optionalText(result, "level");
        if (level == null) {
            level = ReportJson.optionalText(rule.path("defaultConfiguration"), "level");
        }
        return switch (level == null ? "warning" : level.toLowerCase(Locale.ROOT)) {
            case "error" -> Severity.HIGH;
            case "warning" -> Severity.MEDIUM;
            case "note" -> Severity.LOW;
            case "none" -> Severity.NEGLIGIBLE;
            default -> throw json.problem(at + "/level", "is '" + level + "', not a SARIF level"
                    + " (error, warning, note, none)");
        };
    }

    private static String vulnerabilityId(String ruleId) {
        Matcher m = VULN_ID.matcher(ruleId);
        return m.find() ? m.group(1) : ruleId;
    }

    private static String first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1).trim() : null;
    }
}
