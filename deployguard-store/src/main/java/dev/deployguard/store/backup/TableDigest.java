package dev.deployguard.store.backup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Row count and content hash of every table in the connection's schema. The hash is order-independent (row hashes
 * sorted, then hashed), so a restore that stores rows in another physical order still compares equal.
 */
public record TableDigest(Map<String, TableSum> tables) {

    /** One table's row count and SHA-256 over its sorted row hashes. */
    public record TableSum(long rows, String sha256) {
    }

    public TableDigest {
        tables = Map.copyOf(new TreeMap<>(tables));
    }

    /** Reads every base table of the current schema within the connection's current transaction. */
    static TableDigest of(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE", "BASE TABLE"})) {
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME"));
            }
        }
        Map<String, TableSum> sums = new TreeMap<>();
        for (String name : names) {
            sums.put(name.toLowerCase(java.util.Locale.ROOT), sum(c, name));
        }
        return new TableDigest(sums);
    }

    private static TableSum sum(Connection c, String table) throws SQLException {
        List<String> rowHashes = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM \"" + table.replace("\"", "\"\"") + "\"")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                MessageDigest d = sha256();
                for (int i = 1; i <= columns; i++) {
                    String v = rs.getString(i);
                    // Length-prefixed, with a distinct marker for NULL, so ("a","bc") and ("ab","c") differ.
                    d.update((v == null ? "\u0000null" : v.length() + ":" + v).getBytes(StandardCharsets.UTF_8));
                    d.update((byte) 0x1f);
                }
                rowHashes.add(HexFormat.of().formatHex(d.digest()));
            }
        }
        rowHashes.sort(null);
        MessageDigest d = sha256();
        rowHashes.forEach(h -> d.update(h.getBytes(StandardCharsets.US_ASCII)));
        return new TableSum(rowHashes.size(), HexFormat.of().formatHex(d.digest()));
    }

    /** What differs from {@code restored}, one line per table; empty when they are equal. */
    public List<String> differences(TableDigest restored) {
        List<String> out = new ArrayList<>();
        var all = new java.util.TreeSet<>(tables.keySet());
        all.addAll(restored.tables.keySet());
        for (String t : all) {
            TableSum a = tables.get(t);
            TableSum b = restored.tables.get(t);
            if (a == null || b == null) {
                out.add(t + ": " + (a == null ? "only in the restore" : "missing from the restore"));
            } else if (a.rows() != b.rows()) {
                out.add(t + ": " + a.rows() + " rows backed up, " + b.rows() + " restored");
            } else if (!a.sha256().equals(b.sha256())) {
                out.add(t + ": same " + a.rows() + " rows counted but different contents");
            }
        }
        return out;
    }

    public long totalRows() {
        return tables.values().stream().mapToLong(TableSum::rows).sum();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
