package dev.deployguard.check;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import java.util.Locale;

/** Renders a {@link ChecklistReport} as JSON for scripts and the API ({@code POST /api/apps/APP/check}). */
public final class ChecklistJson {
    private ChecklistJson() {
    }

    public static ObjectNode toJson(ChecklistReport report) {
        var mapper = Json.mapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("app", report.app());
        if (report.version() == null) {
            root.putNull("version");
        } else {
            root.put("version", report.version());
        }
        root.put("verdict", report.verdict().name());
        root.put("ready", report.ready());
        root.put("startedAt", report.startedAt().toString());
        root.put("tookMs", report.took().toMillis());
        ObjectNode counts = root.putObject("counts");
        for (CheckStatus s : CheckStatus.values()) {
            counts.put(s.name().toLowerCase(Locale.ROOT), report.count(s));
        }
        var results = root.putArray("results");
        for (CheckResult r : report.results()) {
            ObjectNode n = results.addObject();
            n.put("name", r.name());
            n.put("status", r.status().name());
            n.put("evidence", r.evidence());
            n.put("remedy", r.remedy());
            n.put("tookMs", r.took().toMillis());
            n.set("data", mapper.valueToTree(r.data()));
        }
        return root;
    }
}
