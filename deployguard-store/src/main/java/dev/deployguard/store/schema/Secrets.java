package dev.deployguard.store.schema;

import java.util.List;
import java.util.Objects;

/** Masks known secret values, and {@code password=} parameters, in text that goes into events and messages. */
public record Secrets(List<String> values) {
    public Secrets {
        values = values.stream().filter(Objects::nonNull).filter(v -> !v.isEmpty()).toList();
    }

    /** The text with every secret replaced by {@code ***}. */
    public String mask(String text) {
        String out = text == null ? "" : text;
        for (String v : values) {
            out = out.replace(v, "***");
        }
        return out.replaceAll("(?i)(password=)[^&;\\s]*", "$1***");
    }
}
