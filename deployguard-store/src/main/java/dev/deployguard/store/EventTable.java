package dev.deployguard.store;

import static dev.deployguard.store.JsonColumns.OBJECT_MAP;
import static dev.deployguard.store.JsonColumns.read;
import static dev.deployguard.store.JsonColumns.write;
import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.event.Event;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The JDBC store's event timeline (append-only); each method is one transaction. */
final class EventTable {
    private final DataSource dataSource;

    EventTable(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Event append(Event e) {
        return tx(c -> {
            try (var ps = c.prepareStatement("INSERT INTO events (at, app, revision, actor, kind, message, data_json)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
                ps.setObject(1, time(e.at()));
                ps.setString(2, e.app());
                if (e.revision() == null) {
                    ps.setNull(3, Types.INTEGER);
                } else {
                    ps.setInt(3, e.revision());
                }
                ps.setString(4, e.actor());
                ps.setString(5, e.kind());
                ps.setString(6, e.message());
                ps.setString(7, write(e.data()));
                ps.executeUpdate();
                try (var keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return new Event(keys.getLong(1), e.at(), e.app(), e.revision(), e.actor(), e.kind(),
                            e.message(), e.data());
                }
            }
        });
    }

    List<Event> events(String app, long afterId, Instant since, int limit) {
        return tx(c -> {
            String sql = "SELECT * FROM events WHERE id > ? AND at >= ?" + (app == null ? "" : " AND app = ?")
                    + " ORDER BY id LIMIT ?";
            try (var ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setLong(i++, afterId);
                ps.setObject(i++, time(since == null ? Instant.EPOCH : since));
                if (app != null) {
                    ps.setString(i++, app);
                }
                ps.setInt(i, limit);
                try (var rs = ps.executeQuery()) {
                    List<Event> out = new ArrayList<>();
                    while (rs.next()) {
                        int rev = rs.getInt("revision");
                        Integer revision = rs.wasNull() ? null : rev;
                        out.add(new Event(rs.getLong("id"), instant(rs, "at"), rs.getString("app"), revision,
                                rs.getString("actor"), rs.getString("kind"), rs.getString("message"),
                                read(rs.getString("data_json"), OBJECT_MAP)));
                    }
                    return out;
                }
            }
        });
    }

    private <T> T tx(Sql.Work<T> work) {
        return Sql.tx(dataSource, work);
    }
}
