package dev.deployguard.server.dashboard;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Builds HTML text. Every value that comes from users or the store (app names, versions, change causes, event
 * messages, incident titles) goes through {@link #text}; only the page's own markup is appended raw.
 */
final class Html {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private final StringBuilder sb = new StringBuilder(4096);

    /** Raw markup written by this package, never user data. */
    Html raw(String markup) {
        sb.append(markup);
        return this;
    }

    /** User data, escaped for element content and quoted attribute values. */
    Html text(Object value) {
        sb.append(escape(value == null ? "" : String.valueOf(value)));
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /** Escapes the five characters that matter in HTML content and double- or single-quoted attributes. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * JSON to embed in a {@code <script type="application/json">} block: {@code <}, {@code >} and {@code &} become
     * unicode escapes, so no string inside can close the script element or open a comment.
     */
    static String scriptJson(String json) {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }

    /** A path segment for links: app names are validated identifiers, but links are escaped all the same. */
    static String segment(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    static String time(String iso) {
        if (iso == null || iso.isEmpty()) {
            return "";
        }
        try {
            return time(Instant.parse(iso));
        } catch (java.time.format.DateTimeParseException e) {
            return iso;
        }
    }
}
