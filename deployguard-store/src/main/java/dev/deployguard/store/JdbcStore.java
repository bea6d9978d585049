package dev.deployguard.store;

import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.incident.Incident;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.PinnedImage;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The JDBC store: an embedded H2 file under the state directory by default, PostgreSQL for a shared control plane.
 * The schema is owned by Flyway migrations in {@code db/migration}.
 */
public final class JdbcStore implements Store {
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() { };
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };
    private static final TypeReference<Map<String, Object>> OBJECT_MAP = new TypeReference<>() { };
    private static final TypeReference<List<Track>> TRACKS = new TypeReference<>() { };

    private final DataSource dataSource;
    private final AutoCloseable closer;
    private final IncidentTables incidents;
    private final TokenTables tokens;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    private JdbcStore(DataSource dataSource, AutoCloseable closer) {
        this.dataSource = dataSource;
        this.closer = closer;
        this.incidents = new IncidentTables(dataSource);
        this.tokens = new TokenTables(dataSource);
        migrate();
    }

    /** The embedded default: one H2 file database under {@code stateDir}, usable by one process at a time. */
    public static JdbcStore embedded(Path stateDir) {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot create state directory " + stateDir + ": " + e);
        }
        return open(embeddedUrl(stateDir), null, null);
    }

    /**
     * The embedded database's URL. async: (AsynchronousFileChannel) because a FileChannel is closed when the thread
     * using it is interrupted, and H2 then closes the whole database: one interrupted background write (a notifier
     * shut down, a tick cancelled) would leave the control plane without its store. Same files as file:.
     * WRITE_DELAY=0: each commit is written to the file before it returns, so a kill -9 loses nothing acknowledged
     * (the OS holds the written pages). That promise also needs an H2 whose crash recovery finds the newest chunk:
     * see the note on h2.version in the parent pom and EmbeddedCrashIT.
     */
    static String embeddedUrl(Path stateDir) {
        return "jdbc:h2:async:" + stateDir.toAbsolutePath().resolve("deployguard") + ";DB_CLOSE_DELAY=0;WRITE_DELAY=0";
    }

    /** Opens a store by JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql://...}). */
    public static JdbcStore open(String url, String user, String password) {
        try {
            if (url.startsWith("jdbc:h2:")) {
                var pool = JdbcConnectionPool.create(url, user == null ? "sa" : user, password == null ? "" : password);
                pool.setMaxConnections(8);
                // Fail now, with a message, if another control plane holds the embedded database.
                try (Connection c = pool.getConnection()) {
                    c.isValid(1);
                } catch (SQLException e) {
                    pool.dispose();
                    throw translateOpen(url, e);
                }
                return new JdbcStore(pool, pool::dispose);
            }
            if (url.startsWith("jdbc:postgresql:")) {
                var ds = new PGSimpleDataSource();
                ds.setUrl(url);
                if (user != null) {
                    ds.setUser(user);
                }
                if (password != null) {
                    ds.setPassword(password);
                }
                ds.setConnectTimeout(5);
                try (Connection c = ds.getConnection()) {
                    c.isValid(2);
                } catch (SQLException e) {
                    throw translateOpen(url, e);
                }
                return new JdbcStore(ds, () -> { });
            }
        } catch (DeployGuardException e) {
            throw e;
        }
        throw DeployGuardException.badInput("unsupported store URL '" + redact(url)
                + "'; expected jdbc:h2:... or jdbc:postgresql://...");
    }

    private static DeployGuardException translateOpen(String url, SQLException e) {
        if (e.getErrorCode() == 90020 || String.valueOf(e.getMessage()).contains("already in use")) {
            return new DeployGuardException(ExitCode.BUSY, "the state database " + redact(url)
                    + " is in use by another DeployGuard control plane; stop it first or use another --state-dir");
        }
        return new DeployGuardException(ExitCode.UNREACHABLE, "cannot open the state database " + redact(url)
                + ": " + e.getMessage(), e);
    }

    /** Drops a password from a URL before it is shown to anyone. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /** A connection from the store's pool, for backups: they dump through the process that holds the store. */
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    private void migrate() {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .table("deployguard_schema_history")
                .load()
                .migrate();
    }

    // --- releases ---------------------------------------------------------------------------------------------

    @Override
    public Release createRelease(Release draft) {
        return tx(c -> {
            int next;
            try (var ps = c.prepareStatement("SELECT COALESCE(MAX(revision), 0) FROM releases WHERE app = ?")) {
                ps.setString(1, draft.app());
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    next = rs.getInt(1) + 1;
                }
            }
            Release r = new Release(draft.app(), next, draft.version(), draft.command(), draft.env(),
                    draft.instances(), draft.configHash(), draft.changeCause(), draft.actor(), draft.createdAt(),
                    draft.status(), draft.sourceRevision(), draft.image());
            try (var ps = c.prepareStatement("INSERT INTO releases (app, revision, version, command_json, env_json,"
                    + " instances, config_hash, change_cause, actor, created_at, status, source_revision, image,"
                    + " image_verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.app());
                ps.setInt(2, r.revision());
                ps.setString(3, r.version());
                ps.setString(4, write(r.command()));
                ps.setString(5, write(r.env()));
                ps.setInt(6, r.instances());
                ps.setString(7, r.configHash());
                ps.setString(8, r.changeCause());
                ps.setString(9, r.actor());
                ps.setObject(10, time(r.createdAt()));
                ps.setString(11, r.status().name());
                if (r.sourceRevision() == null) {
                    ps.setNull(12, Types.INTEGER);
                } else {
                    ps.setInt(12, r.sourceRevision());
                }
                if (r.image() == null) {
                    ps.setNull(13, Types.VARCHAR);
                    ps.setNull(14, Types.BOOLEAN);
                } else {
                    ps.setString(13, r.image().reference());
                    ps.setBoolean(14, r.image().verified());
                }
                ps.executeUpdate();
            }
            return r;
        });
    }

    @Override
    public Optional<Release> release(String app, int revision) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM releases WHERE app = ? AND revision = ?")) {
                ps.setString(1, app);
                ps.setInt(2, revision);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(release(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Release> history(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM releases WHERE app = ? ORDER BY revision")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    List<Release> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(release(rs));
                    }
                    return out;
                }
            }
        });
    }

    @Override
    public List<String> apps() {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT DISTINCT app FROM releases ORDER BY app");
                 var rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        });
    }

    @Override
    public void setStatus(String app, int revision, ReleaseStatus status) {
        tx(c -> {
            try (var ps = c.prepareStatement("UPDATE releases SET status = ? WHERE app = ? AND revision = ?")) {
                ps.setString(1, status.name());
                ps.setString(2, app);
                ps.setInt(3, revision);
                if (ps.executeUpdate() != 1) {
                    throw DeployGuardException.notFound("app '" + app + "' has no revision " + revision);
                }
            }
            return null;
        });
    }

    @Override
    public void markDeployed(String app, int revision) {
        tx(c -> {
            try (var ps = c.prepareStatement("UPDATE releases SET status = 'SUPERSEDED'"
                    + " WHERE app = ? AND status = 'DEPLOYED' AND revision <> ?")) {
                ps.setString(1, app);
                ps.setInt(2, revision);
                ps.executeUpdate();
            }
            try (var ps = c.prepareStatement("UPDATE releases SET status = 'DEPLOYED' WHERE app = ? AND revision = ?")) {
                ps.setString(1, app);
                ps.setInt(2, revision);
                if (ps.executeUpdate() != 1) {
                    throw DeployGuardException.notFound("app '" + app + "' has no revision " + revision);
                }
            }
            return null;
        });
    }

    private Release release(ResultSet rs) throws SQLException {
        int src = rs.getInt("source_revision");
        Integer source = rs.wasNull() ? null : src;
        String image = rs.getString("image");
        return new Release(rs.getString("app"), rs.getInt("revision"), rs.getString("version"),
                read(rs.getString("command_json"), STRING_LIST), read(rs.getString("env_json"), STRING_MAP),
                rs.getInt("instances"), rs.getString("config_hash"), rs.getString("change_cause"),
                rs.getString("actor"), instant(rs, "created_at"), ReleaseStatus.valueOf(rs.getString("status")),
                source, image == null ? null : PinnedImage.parse(image, rs.getBoolean("image_verified")));
    }

    // --- events -----------------------------------------------------------------------------------------------

    @Override
    public Event append(Event e) {
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

    @Override
    public List<Event> events(String app, long afterId, Instant since, int limit) {
        return events(app, null, afterId, since, limit);
    }

    @Override
    public List<Event> events(String app, String type, long afterId, Instant since, int limit) {
        return tx(c -> {
            String sql = "SELECT * FROM events WHERE id > ? AND at >= ?" + (app == null ? "" : " AND app = ?")
                    + (type == null ? "" : " AND (kind = ? OR kind LIKE ?)") + " ORDER BY id LIMIT ?";
            try (var ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setLong(i++, afterId);
                ps.setObject(i++, time(since == null ? Instant.EPOCH : since));
                if (app != null) {
                    ps.setString(i++, app);
                }
                if (type != null) {
                    ps.setString(i++, type);
                    ps.setString(i++, type.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%");
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

    // --- locks ------------------------------------------------------------------------------------------------

    @Override
    public AppLock lock(String app, String operation, String holder, String actor, Instant now) {
        return tx(c -> {
            Optional<AppLock> existing = currentLock(c, app);
            if (existing.isPresent()) {
                AppLock l = existing.get();
                throw new AppBusyException("app '" + app + "' is busy: " + l.operation() + " by " + l.actor()
                        + " has held its lock since " + l.acquiredAt() + "; wait for it to finish and try again");
            }
            try (var ps = c.prepareStatement("INSERT INTO locks (app, operation, holder, actor, acquired_at)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, app);
                ps.setString(2, operation);
                ps.setString(3, holder);
                ps.setString(4, actor);
                ps.setObject(5, time(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                // Lost a race with another control plane inserting the same key.
                if (isDuplicateKey(e)) {
                    throw new AppBusyException("app '" + app + "' is busy: another operation took its lock just now;"
                            + " wait for it to finish and try again");
                }
                throw e;
            }
            return new AppLock(app, operation, holder, actor, now);
        });
    }

    private static boolean isDuplicateKey(SQLException e) {
        String state = e.getSQLState();
        return "23505".equals(state) || "23000".equals(state);
    }

    @Override
    public void unlock(AppLock lock) {
        tx(c -> {
            try (var ps = c.prepareStatement("DELETE FROM locks WHERE app = ? AND holder = ? AND operation = ?")) {
                ps.setString(1, lock.app());
                ps.setString(2, lock.holder());
                ps.setString(3, lock.operation());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public int releaseLocksNotHeldBy(String holder) {
        return tx(c -> {
            try (var ps = c.prepareStatement("DELETE FROM locks WHERE holder <> ?")) {
                ps.setString(1, holder);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<AppLock> currentLock(String app) {
        return tx(c -> currentLock(c, app));
    }

    private Optional<AppLock> currentLock(Connection c, String app) throws SQLException {
        try (var ps = c.prepareStatement("SELECT * FROM locks WHERE app = ?")) {
            ps.setString(1, app);
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AppLock(rs.getString("app"), rs.getString("operation"), rs.getString("holder"),
                        rs.getString("actor"), instant(rs, "acquired_at")));
            }
        }
    }

    // --- instances, routers, routes ---------------------------------------------------------------------------

    @Override
    public void saveInstance(Instance i) {
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

    @Override
    public void removeInstance(String app, int revision, int index) {
        tx(c -> {
            delete(c, "DELETE FROM instances WHERE app = ? AND revision = ? AND idx = ?", app, revision, index);
            return null;
        });
    }

    @Override
    public List<Instance> instances(String app) {
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

    @Override
    public void reassignInstances(String app, int fromRevision, int toRevision) {
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

    @Override
    public void saveRouter(RouterRecord r) {
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

    @Override
    public Optional<RouterRecord> router(String app) {
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

    @Override
    public void removeRouter(String app) {
        tx(c -> {
            delete(c, "DELETE FROM routers WHERE app = ?", app);
            return null;
        });
    }

    @Override
    public void saveRoutes(RouteTable routes) {
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

    @Override
    public Optional<RouteTable> routes(String app) {
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

    @Override
    public Rollout saveRollout(Rollout r, Instant now) {
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

    @Override
    public Optional<Rollout> activeRollout(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT state_json FROM rollouts WHERE app = ?"
                    + " AND phase NOT IN ('SUCCEEDED', 'ROLLED_BACK') ORDER BY id DESC LIMIT 1")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(RolloutRows.read(json, rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Rollout> rollouts(String app, int limit) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT state_json FROM rollouts WHERE app = ? ORDER BY id DESC LIMIT ?")) {
                ps.setString(1, app);
                ps.setInt(2, limit);
                try (var rs = ps.executeQuery()) {
                    List<Rollout> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(RolloutRows.read(json, rs.getString(1)));
                    }
                    return out;
                }
            }
        });
    }

    // --- incidents (IncidentTables) ------------------------------------------------------------------------------

    @Override
    public Incident openIncident(Incident draft) {
        return incidents.open(draft);
    }

    @Override
    public Optional<Incident> incident(long id) {
        return incidents.get(id);
    }

    @Override
    public List<Incident> incidents(String app, int limit) {
        return incidents.list(app, limit);
    }

    @Override
    public Incident.Note addIncidentNote(Incident.Note note) {
        return incidents.addNote(note);
    }

    @Override
    public List<Incident.Note> incidentNotes(long id) {
        return incidents.notes(id);
    }

    @Override
    public Incident closeIncident(long id, Instant at, String actor, String resolution) {
        return incidents.close(id, at, actor, resolution);
    }

    // --- API tokens (TokenTables) --------------------------------------------------------------------------------

    @Override
    public void addToken(StoredToken token) {
        tokens.add(token);
    }

    @Override
    public List<StoredToken> tokens() {
        return tokens.list();
    }

    @Override
    public Optional<StoredToken> tokenByHash(String hash) {
        return tokens.byHash(hash);
    }

    @Override
    public boolean removeToken(String name) {
        return tokens.remove(name);
    }

    @Override
    public void tokenUsed(String name, Instant at) {
        tokens.used(name, at);
    }

    @Override
    public AppRemoved removeApp(String app) {
        return new AppRecords(dataSource).remove(app);
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            // Closing a pool only fails if it is already gone.
        }
    }

    // --- plumbing ---------------------------------------------------------------------------------------------

    private <T> T tx(Sql.Work<T> work) {
        return Sql.tx(dataSource, work);
    }

    private static void delete(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }


    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
