package dev.deployguard.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table with aligned columns, as kubectl and helm print them. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... headers) {
        columns = headers.length;
        rows.add(headers);
    }

    Table row(Object... cells) {
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) {
            Object c = i < cells.length ? cells[i] : "";
            r[i] = c == null ? "" : c.toString();
        }
        rows.add(r);
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        var sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                sb.append(r[i]);
                if (i < columns - 1) {
                    sb.append(" ".repeat(width[i] - r[i].length() + 3));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
