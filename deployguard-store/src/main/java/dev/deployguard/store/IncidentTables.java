package dev.deployguard.store;

import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.incident.Incident;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The incident part of the JDBC store (tables of V4__incidents.sql); each method is one transaction. */
final class IncidentTables {
    private final DataSource dataSource;

    IncidentTables(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Incident open(Incident d) {
        return tx(c -> {
            try (var ps = c.prepareStatement("INSERT INTO incidents (app, title, severity, opened_at, opened_by,"
                    + " rollout_id, revision) VALUES (?, ?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
                ps.setString(1, d.app());
                ps.setString(2, d.title());
                ps.setString(3, d.severity());
                ps.setObject(4, time(d.openedAt()));
                ps.setString(5, d.openedBy());
                if (d.rolloutId() == null) {
                    ps.setNull(6, Types.BIGINT);
                } else {
                    ps.setLong(6, d.rolloutId());
                }
                if (d.revision() == null) {
                    ps.setNull(7, Types.INTEGER);
                } else {
                    ps.setInt(7, d.revision());
                }
                ps.executeUpdate();
                try (var keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return new Incident(keys.getLong(1), d.app(), d.title(), d.severity(), d.openedAt(), d.openedBy(),
                            d.rolloutId(), d.revision(), null, null, null);
                }
            }
        });
    }

    Optional<Incident> get(long id) {
        return tx(c -> find(c, id));
    }

    List<Incident> list(String app, int limit) {
        return tx(c -> {
            String sql = "SELECT * FROM incidents" + (app == null ? "" : " WHERE app = ?") + " ORDER BY id DESC LIMIT ?";
            try (var ps = c.prepareStatement(sql)) {
                int i = 1;
                if (app != null) {
                    ps.setString(i++, app);
                }
                ps.setInt(i, limit);
                try (var rs = ps.executeQuery()) {
                    List<Incident> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(incident(rs));
                    }
                    return out;
                }
            }
        });
    }

    Incident.Note addNote(Incident.Note n) {
        return tx(c -> {
            require(c, n.incidentId());
            try (var ps = c.prepareStatement("INSERT INTO incident_notes (incident_id, at, actor, text)"
                    + " VALUES (?, ?, ?, ?)")) {
                ps.setLong(1, n.incidentId());
                ps.setObject(2, time(n.at()));
                ps.setString(3, n.actor());
                ps.setString(4, n.text());
                ps.executeUpdate();
            }
            return n;
        });
    }

    List<Incident.Note> notes(long id) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM incident_notes WHERE incident_id = ? ORDER BY id")) {
                ps.setLong(1, id);
                try (var rs = ps.executeQuery()) {
                    List<Incident.Note> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Incident.Note(id, instant(rs, "at"), rs.getString("actor"), rs.getString("text")));
                    }
                    return out;
                }
            }
        });
    }

    Incident close(long id, Instant at, String actor, String resolution) {
        return tx(c -> {
            Incident i = require(c, id);
            if (!i.isOpen()) {
                throw DeployGuardException.badInput("incident " + id + " was already closed at " + i.closedAt()
                        + " by " + i.closedBy() + "; nothing changed");
            }
            try (var ps = c.prepareStatement("UPDATE incidents SET closed_at = ?, closed_by = ?, resolution = ?"
                    + " WHERE id = ? AND closed_at IS NULL")) {
                ps.setObject(1, time(at));
                ps.setString(2, actor);
                ps.setString(3, resolution);
                ps.setLong(4, id);
                ps.executeUpdate();
            }
            return find(c, id).orElseThrow();
        });
    }

    private Incident require(Connection c, long id) throws SQLException {
        return find(c, id).orElseThrow(() -> DeployGuardException.notFound("no incident with id " + id
                + " (see: deployguard incident list)"));
    }

    private static Optional<Incident> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM incidents WHERE id = ?")) {
            ps.setLong(1, id);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(incident(rs)) : Optional.empty();
            }
        }
    }

    private static Incident incident(ResultSet rs) throws SQLException {
        long rollout = rs.getLong("rollout_id");
        Long rolloutId = rs.wasNull() ? null : rollout;
        int rev = rs.getInt("revision");
        Integer revision = rs.wasNull() ? null : rev;
        return new Incident(rs.getLong("id"), rs.getString("app"), rs.getString("title"), rs.getString("severity"),
                instant(rs, "opened_at"), rs.getString("opened_by"), rolloutId, revision, instant(rs, "closed_at"),
                rs.getString("closed_by"), rs.getString("resolution"));
    }

    private <T> T tx(Sql.Work<T> work) {
        return Sql.tx(dataSource, work);
    }

}
