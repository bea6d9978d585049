package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** A drill result as JUnit XML: one test case per step plus one for "state restored", as CI systems show them. */
final class DrillJunit {
    private DrillJunit() {
    }

    static String xml(JsonNode r) {
        String app = r.path("app").asText();
        int tests = r.path("steps").size() + 1;
        long failures = 0;
        long skipped = 0;
        var cases = new StringBuilder();
        for (JsonNode s : r.path("steps")) {
            String outcome = s.path("outcome").asText();
            cases.append("    <testcase classname=\"deployguard.drill.").append(esc(app)).append("\" name=\"")
                    .append(esc(s.path("name").asText())).append("\" time=\"").append(secs(s.path("durationMillis")
                            .asLong())).append("\">");
            if (outcome.equals("FAIL")) {
                failures++;
                cases.append("\n      <failure message=\"").append(esc(s.path("detail").asText())).append("\"/>\n    ");
            } else if (outcome.equals("SKIPPED")) {
                skipped++;
                cases.append("\n      <skipped message=\"").append(esc(s.path("detail").asText())).append("\"/>\n    ");
            } else {
                cases.append("<system-out>").append(esc(s.path("detail").asText())).append("</system-out>");
            }
            cases.append("</testcase>\n");
        }
        boolean restored = r.path("differences").isEmpty() && r.path("after").isObject();
        cases.append("    <testcase classname=\"deployguard.drill.").append(esc(app))
                .append("\" name=\"state restored to baseline\" time=\"0\">");
        if (!restored) {
            failures++;
            var msg = new StringBuilder(r.path("after").isObject() ? "fields differ:" : "no state after rollback");
            for (JsonNode d : r.path("differences")) {
                msg.append(' ').append(d.path("field").asText()).append(" (baseline ").append(d.path("baseline")
                        .asText()).append(", after ").append(d.path("after").asText()).append(");");
            }
            cases.append("\n      <failure message=\"").append(esc(msg.toString())).append("\"/>\n    ");
        }
        cases.append("</testcase>\n");
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"deployguard drill "
                + esc(app) + "\" tests=\"" + tests + "\" failures=\"" + failures + "\" errors=\"0\" skipped=\""
                + skipped + "\" time=\"" + secs(r.path("durationMillis").asLong()) + "\">\n" + cases
                + "  </testsuite>\n</testsuites>\n";
    }

    private static String secs(long ms) {
        return String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }

    private static String esc(String s) {
        var sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("&#10;");
                default -> {
                    if (c >= 0x20 || c == '\t') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
