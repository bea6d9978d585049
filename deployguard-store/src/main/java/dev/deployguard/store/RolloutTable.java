package dev.deployguard.store;

import static dev.deployguard.store.JsonColumns.read;
import static dev.deployguard.store.JsonColumns.write;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.rollout.Rollout;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The JDBC store's rollouts (the engine's state, one JSON row per rollout); each method is one transaction. */
final class RolloutTable {
    private final DataSource dataSource;

    RolloutTable(DataSource dataSource) {
        this.dataSource = dataSource;
    }
    Rollout saveRollout(Rollout r, Instant now) {
        return tx(c -> {
            if (r.id() == 0) {
                try (var ps = c.prepareStatement("INSERT INTO rollouts (app, phase, state_json, updated_at)"
                        + " VALUES (?, ?, ?, ?)", new String[] {"id"})) {
                    ps.setString(1, r.app());
                    ps.setString(2, r.phase().name());
                    ps.setString(3, "{}");
                    ps.setObject(4, time(now));
                    ps.executeUpdate();
                    try (var keys = ps.getGeneratedKeys()) {
                        keys.next();
                        Rollout withId = r.withId(keys.getLong(1));
                        update(c, withId, now);
                        return withId;
                    }
                }
            }
            update(c, r, now);
            return r;
        });
    }

    private void update(Connection c, Rollout r, Instant now) throws SQLException {
        try (var ps = c.prepareStatement("UPDATE rollouts SET phase = ?, state_json = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, r.phase().name());
            ps.setString(2, write(r));
            ps.setObject(3, time(now));
            ps.setLong(4, r.id());
            if (ps.executeUpdate() != 1) {
                throw DeployGuardException.notFound("no rollout with id " + r.id());
            }
        }
    }

    Optional<Rollout> activeRollout(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT state_json FROM rollouts WHERE app = ?"
                    + " AND phase NOT IN ('SUCCEEDED', 'ROLLED_BACK') ORDER BY id DESC LIMIT 1")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(RolloutRows.read(JsonColumns.MAPPER, rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    List<Rollout> rollouts(String app, int limit) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT state_json FROM rollouts WHERE app = ? ORDER BY id DESC LIMIT ?")) {
                ps.setString(1, app);
                ps.setInt(2, limit);
                try (var rs = ps.executeQuery()) {
                    List<Rollout> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(RolloutRows.read(JsonColumns.MAPPER, rs.getString(1)));
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
