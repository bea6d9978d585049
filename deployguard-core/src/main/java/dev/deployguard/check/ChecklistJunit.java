package dev.deployguard.check;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Renders a {@link ChecklistReport} as JUnit XML, the report format CI systems display: one {@code <testsuite>}, one
 * {@code <testcase>} per check; FAIL is a {@code <failure>}, ERROR ("cannot tell") an {@code <error>}, SKIPPED a
 * {@code <skipped/>}, WARN a passing case whose evidence is in {@code <system-out>}.
 */
public final class ChecklistJunit {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private ChecklistJunit() {
    }

    public static String render(ChecklistReport report) {
        String suite = "deployguard.check." + report.app();
        var sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuite name=\"").append(escape(suite)).append('"')
                .append(" tests=\"").append(report.results().size()).append('"')
                .append(" failures=\"").append(report.count(CheckStatus.FAIL)).append('"')
                .append(" errors=\"").append(report.count(CheckStatus.ERROR)).append('"')
                .append(" skipped=\"").append(report.count(CheckStatus.SKIPPED)).append('"')
                .append(" time=\"").append(seconds(report.took())).append('"')
                .append(" timestamp=\"").append(TIMESTAMP.format(report.startedAt())).append("\">\n");
        if (report.version() != null) {
            sb.append("  <properties>\n    <property name=\"version\" value=\"").append(escape(report.version()))
                    .append("\"/>\n  </properties>\n");
        }
        for (CheckResult r : report.results()) {
            sb.append("  <testcase classname=\"").append(escape(suite)).append("\" name=\"").append(escape(r.name()))
                    .append("\" time=\"").append(seconds(r.took())).append('"');
            String body = r.remedy().isEmpty() ? r.evidence() : r.evidence() + "\nremedy: " + r.remedy();
            switch (r.status()) {
                case PASS -> sb.append("/>\n");
                case WARN -> sb.append(">\n    <system-out>WARN: ").append(escape(body))
                        .append("</system-out>\n  </testcase>\n");
                case SKIPPED -> sb.append(">\n    <skipped message=\"").append(escape(r.evidence()))
                        .append("\"/>\n  </testcase>\n");
                case FAIL -> sb.append(">\n    <failure message=\"").append(escape(r.evidence()))
                        .append("\" type=\"FAIL\">").append(escape(body)).append("</failure>\n  </testcase>\n");
                case ERROR -> sb.append(">\n    <error message=\"").append(escape(r.evidence()))
                        .append("\" type=\"CANNOT_TELL\">").append(escape(body)).append("</error>\n  </testcase>\n");
                default -> throw new IllegalStateException("unhandled status " + r.status());
            }
        }
        sb.append("</testsuite>\n");
        return sb.toString();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    /**
     * Escapes text for XML content and attribute values; drops characters XML 1.0 cannot carry at all (control
     * characters, unpaired surrogates) so a check's odd evidence never makes the whole report unreadable.
     */
    static String escape(String s) {
        var sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                case '\n' -> sb.append("&#10;");
                case '\r' -> sb.append("&#13;");
                case '\t' -> sb.append("&#9;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (c >= 0x20 && !Character.isSurrogate(c) && c != 0xFFFE && c != 0xFFFF) {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
