package dev.deployguard.local.router;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes JSON for the router's admin API and state files ({@link RouterCodec}), compact or indented by two spaces;
 * strings are escaped as RFC 8259 requires (quotes, backslashes and control characters).
 */
final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final StringBuilder out = new StringBuilder(256);
    private final boolean pretty;
    /** Per open container: whether it has no element yet. */
    private boolean[] empty = new boolean[16];
    private int depth;
    private boolean afterName;

    JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    JsonWriter beginObject() {
        return open('{');
    }

    JsonWriter endObject() {
        return close('}');
    }

    JsonWriter beginArray() {
        return open('[');
    }

    JsonWriter endArray() {
        return close(']');
    }

    JsonWriter name(String name) {
        separate();
        string(name);
        out.append(pretty ? " : " : ":");
        afterName = true;
        return this;
    }

    JsonWriter value(String value) {
        separate();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    JsonWriter value(long value) {
        separate();
        out.append(value);
        return this;
    }

    JsonWriter value(boolean value) {
        separate();
        out.append(value);
        return this;
    }

    JsonWriter nullValue() {
        separate();
        out.append("null");
        return this;
    }

    byte[] bytes() {
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private JsonWriter open(char bracket) {
        separate();
        out.append(bracket);
        if (depth == empty.length) {
            empty = Arrays.copyOf(empty, depth * 2);
        }
        empty[depth++] = true;
        return this;
    }

    private JsonWriter close(char bracket) {
        boolean wasEmpty = empty[--depth];
        if (pretty && !wasEmpty) {
            newline();
        }
        out.append(bracket);
        return this;
    }

    /** Before a value or a name: the comma and indentation it needs where it stands. */
    private void separate() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth == 0) {
            return;
        }
        if (!empty[depth - 1]) {
            out.append(',');
        }
        empty[depth - 1] = false;
        if (pretty) {
            newline();
        }
    }

    private void newline() {
        out.append('\n');
        for (int i = 0; i < depth; i++) {
            out.append("  ");
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
