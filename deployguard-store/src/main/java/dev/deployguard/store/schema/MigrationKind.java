package dev.deployguard.store.schema;

import java.util.Locale;

/**
 * Whether a migration keeps older code working ({@link #EXPAND}: adds tables, nullable columns, indexes) or breaks it
 * ({@link #CONTRACT}: drops or renames). Contract is the answer whenever a migration does not say.
 */
public enum MigrationKind {
    EXPAND, CONTRACT;

    static final String CONTRACT_MARKER = "-- deployguard:contract";
    static final String EXPAND_MARKER = "-- deployguard:expand";

    /**
     * Classifies by, in order: a {@code -- deployguard:contract} / {@code -- deployguard:expand} marker line in the
     * script, then the naming convention {@code V7__contract_drop_x.sql} / {@code V6__expand_add_y.sql}; anything
     * else is contract, because wrongly calling a drop "expand" lets a rollback corrupt data, while the opposite
     * only asks for {@code --force-schema}.
     *
     * @param script  the script's file name, e.g. {@code V7__contract_drop_x.sql}
     * @param content the script's text, or null when it is not at hand (only the history row is)
     */
    public static MigrationKind classify(String script, String content) {
        if (content != null) {
            for (String line : content.lines().map(String::strip).toList()) {
                String l = line.toLowerCase(Locale.ROOT);
                if (l.startsWith(CONTRACT_MARKER)) {
                    return CONTRACT;
                }
                if (l.startsWith(EXPAND_MARKER)) {
                    return EXPAND;
                }
            }
        }
        String name = script == null ? "" : script.toLowerCase(Locale.ROOT);
        int sep = name.indexOf("__");
        String description = sep < 0 ? name : name.substring(sep + 2);
        return description.startsWith("expand_") || description.startsWith("expand ") ? EXPAND : CONTRACT;
    }

    String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
