package dev.deployguard.store;

import static dev.deployguard.store.JsonColumns.TRACKS;
import static dev.deployguard.store.JsonColumns.read;
import static dev.deployguard.store.JsonColumns.write;
import static dev.deployguard.store.Sql.delete;
import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.platform.Instance;
import dev.deployguard.store.RouterStore.RouterRecord;
import dev.deployguard.traffic.RouteTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The JDBC store's local platform's instances, routers and route tables; each method is one transaction. */
final class LocalTables {
    private final DataSource dataSource;

    LocalTables(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void saveInstance(Instance i) {
        tx(c -> {
            delete(c, "DELETE FROM instances WHERE app = ? AND revision = ? AND idx = ?", i.app(), i.revision(),
                    i.index());
            try (var ps = c.prepareStatement("INSERT INTO instances (app, revision, idx, pid, process_start, port,"
                    + " log_file, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, i.app());
                ps.setInt(2, i.revision());
                ps.setInt(3, i.index());
                ps.setLong(4, i.pid());
                ps.setObject(5, i.processStart() == null ? null : time(i.processStart()));
                ps.setInt(6, i.port());
                ps.setString(7, i.logFile());
                ps.setObject(8, time(i.startedAt()));
                ps.executeUpdate();
            }
            return null;
        });
    }

    void removeInstance(String app, int revision, int index) {
        tx(c -> {
            delete(c, "DELETE FROM instances WHERE app = ? AND revision = ? AND idx = ?", app, revision, index);
            return null;
        });
    }

    List<Instance> instances(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM instances WHERE app = ? ORDER BY revision, idx")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    List<Instance> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Instance(rs.getString("app"), rs.getInt("revision"), rs.getInt("idx"),
                                rs.getLong("pid"), instant(rs, "process_start"), rs.getInt("port"),
                                rs.getString("log_file"), instant(rs, "started_at")));
                    }
                    return out;
                }
            }
        });
    }

    void reassignInstances(String app, int fromRevision, int toRevision) {
        tx(c -> {
            try (var ps = c.prepareStatement("UPDATE instances SET revision = ? WHERE app = ? AND revision = ?")) {
                ps.setInt(1, toRevision);
                ps.setString(2, app);
                ps.setInt(3, fromRevision);
                ps.executeUpdate();
            }
            return null;
        });
    }

    void saveRouter(RouterRecord r) {
        tx(c -> {
            delete(c, "DELETE FROM routers WHERE app = ?", r.app());
            try (var ps = c.prepareStatement("INSERT INTO routers (app, pid, process_start, admin_port, listen,"
                    + " log_file, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.app());
                ps.setLong(2, r.pid());
                ps.setObject(3, r.processStart() == null ? null : time(r.processStart()));
                ps.setInt(4, r.adminPort());
                ps.setString(5, r.listen());
                ps.setString(6, r.logFile());
                ps.setObject(7, time(r.startedAt()));
                ps.executeUpdate();
            }
            return null;
        });
    }

    Optional<RouterRecord> router(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM routers WHERE app = ?")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new RouterRecord(rs.getString("app"), rs.getLong("pid"),
                            instant(rs, "process_start"), rs.getInt("admin_port"), rs.getString("listen"),
                            rs.getString("log_file"), instant(rs, "started_at")));
                }
            }
        });
    }

    void removeRouter(String app) {
        tx(c -> {
            delete(c, "DELETE FROM routers WHERE app = ?", app);
            return null;
        });
    }

    void saveRoutes(RouteTable routes) {
        tx(c -> {
            delete(c, "DELETE FROM routes WHERE app = ?", routes.app());
            try (var ps = c.prepareStatement("INSERT INTO routes (app, generation, tracks_json) VALUES (?, ?, ?)")) {
                ps.setString(1, routes.app());
                ps.setLong(2, routes.generation());
                ps.setString(3, write(routes.tracks()));
                ps.executeUpdate();
            }
            return null;
        });
    }

    Optional<RouteTable> routes(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM routes WHERE app = ?")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new RouteTable(app, rs.getLong("generation"),
                            read(rs.getString("tracks_json"), TRACKS)));
                }
            }
        });
    }

    private <T> T tx(Sql.Work<T> work) {
        return Sql.tx(dataSource, work);
    }
}
