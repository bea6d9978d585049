package dev.deployguard.store.check;

import java.util.Objects;

/**
 * Where Flyway keeps its schema history: a table in a schema. The schema is null when it is to be the connection's
 * current schema (Flyway's default: the first of its {@code schemas}, else the connection's default).
 *
 * @param schema the schema, or null for the connection's current one
 * @param table  the table name, exactly as stored (Flyway's default {@code flyway_schema_history})
 */
public record HistoryTable(String schema, String table) {
    public static final String DEFAULT_TABLE = "flyway_schema_history";

    public HistoryTable {
        Objects.requireNonNull(table, "table");
        if (table.isBlank()) {
            throw new IllegalArgumentException("the Flyway history table name is empty");
        }
    }

    /** {@code flyway_schema_history} or {@code app.flyway_schema_history} (schema-qualified). */
    public static HistoryTable parse(String name) {
        if (name == null || name.isBlank()) {
            return new HistoryTable(null, DEFAULT_TABLE);
        }
        int dot = name.indexOf('.');
        return dot < 0 ? new HistoryTable(null, name) : new HistoryTable(name.substring(0, dot), name.substring(dot + 1));
    }

    HistoryTable inSchema(String current) {
        return schema != null ? this : new HistoryTable(current, table);
    }

    /** The table quoted as SQL identifiers, {@code "public"."flyway_schema_history"} (Flyway's own spelling too). */
    String quoted() {
        return (schema == null ? "" : quote(schema) + ".") + quote(table);
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
