// Over 400 lines: one short delegating method per Store operation; the SQL lives in the table classes.
package dev.deployguard.store;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.incident.Incident;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The JDBC store: an embedded H2 file under the state directory by default, PostgreSQL for a shared control plane.
 * The schema is owned by Flyway migrations in {@code db/migration}.
 */
public final class JdbcStore implements Store {

    private final DataSource dataSource;
    private final AutoCloseable closer;
    private final IncidentTables incidents;
    private final ReleaseTable releases;
    private final EventTable events;
    private final LockTable locks;
    private final LocalTables local;
    private final RolloutTable rollouts;
    private final TokenTables tokens;

    private JdbcStore(DataSource dataSource, AutoCloseable closer) {
        this(dataSource, closer, null);
    }

    /** @param fence null: every write commits; else state writes commit only under the leader's epoch */
    private JdbcStore(DataSource raw, AutoCloseable closer, EpochFence fence) {
        DataSource state = fence == null ? raw : new FencedDataSource(raw, fence, false);
        DataSource shared = fence == null ? raw : new FencedDataSource(raw, fence, true);
        this.dataSource = state;
        this.closer = closer;
        this.incidents = new IncidentTables(state);
        this.releases = new ReleaseTable(state);
        this.events = new EventTable(shared);
        this.locks = new LockTable(state);
        this.local = new LocalTables(state);
        this.rollouts = new RolloutTable(state);
        this.tokens = new TokenTables(shared);
        migrate(raw);
    }

    /**
     * A PostgreSQL store shared by several control planes, fenced by {@code fence}: a transaction that changes state
     * commits only while the lease is at the epoch this process claimed (see {@link EpochFence}). A session left idle
     * inside a transaction (its process paused) is ended by the server after 10 s, so it cannot hold the lease row.
     */
    public static JdbcStore openFenced(String url, String user, String password, EpochFence fence) {
        if (!url.startsWith("jdbc:postgresql:")) {
            throw DeployGuardException.badInput("a fenced store needs PostgreSQL (jdbc:postgresql://...), got '"
                    + redact(url) + "'");
        }
        var ds = postgres(url, user, password);
        ds.setOptions("-c idle_in_transaction_session_timeout=10000");
        try (Connection c = ds.getConnection()) {
            c.isValid(2);
        } catch (SQLException e) {
            throw translateOpen(url, e);
        }
        return new JdbcStore(ds, () -> { }, java.util.Objects.requireNonNull(fence, "fence"));
    }

    private static PGSimpleDataSource postgres(String url, String user, String password) {
        var ds = new PGSimpleDataSource();
        ds.setUrl(url);
        if (user != null) {
            ds.setUser(user);
        }
        if (password != null) {
            ds.setPassword(password);
        }
        ds.setConnectTimeout(5);
        return ds;
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
                var pool = new H2Pool(url, user == null ? "sa" : user, password == null ? "" : password);
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
                var ds = postgres(url, user, password);
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
        var full = Sql.diskFull(e);
        if (full.isPresent()) {
            return new DeployGuardException(ExitCode.FAILURE, full.get(), e);
        }
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

    private static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .table("deployguard_schema_history")
                .load()
                .migrate();
    }

    // --- ReleaseTable ----------------------------------------------------------------------------

    @Override
    public Release createRelease(Release draft) {
        return releases.createRelease(draft);
    }

    @Override
    public Optional<Release> release(String app, int revision) {
        return releases.release(app, revision);
    }

    @Override
    public List<Release> history(String app) {
        return releases.history(app);
    }

    @Override
    public List<String> apps() {
        return releases.apps();
    }

    @Override
    public void setStatus(String app, int revision, ReleaseStatus status) {
        releases.setStatus(app, revision, status);
    }

    @Override
    public void markDeployed(String app, int revision) {
        releases.markDeployed(app, revision);
    }

    @Override
    public void recordSchema(String app, String version, dev.deployguard.release.ReleaseSchema schema) {
        releases.recordSchema(app, version, schema, java.time.Instant.now());
    }

    @Override
    public Optional<dev.deployguard.release.ReleaseSchema> recordedSchema(String app, String version) {
        return releases.recordedSchema(app, version);
    }

    // --- EventTable ------------------------------------------------------------------------------

    @Override
    public Event append(Event e) {
        return events.append(e);
    }

    @Override
    public List<Event> events(String app, long afterId, Instant since, int limit) {
        return events.events(app, null, afterId, since, limit);
    }

    @Override
    public List<Event> events(String app, String type, long afterId, Instant since, int limit) {
        return events.events(app, type, afterId, since, limit);
    }

    // --- LockTable -------------------------------------------------------------------------------

    @Override
    public AppLock lock(String app, String operation, String holder, String actor, Instant now) {
        return locks.lock(app, operation, holder, actor, now);
    }

    @Override
    public void unlock(AppLock lock) {
        locks.unlock(lock);
    }

    @Override
    public int releaseLocksNotHeldBy(String holder) {
        return locks.releaseLocksNotHeldBy(holder);
    }

    @Override
    public Optional<AppLock> currentLock(String app) {
        return locks.currentLock(app);
    }

    // --- LocalTables -----------------------------------------------------------------------------

    @Override
    public void saveInstance(Instance i) {
        local.saveInstance(i);
    }

    @Override
    public void removeInstance(String app, int revision, int index) {
        local.removeInstance(app, revision, index);
    }

    @Override
    public List<Instance> instances(String app) {
        return local.instances(app);
    }

    @Override
    public void reassignInstances(String app, int fromRevision, int toRevision) {
        local.reassignInstances(app, fromRevision, toRevision);
    }

    @Override
    public void saveRouter(RouterRecord r) {
        local.saveRouter(r);
    }

    @Override
    public Optional<RouterRecord> router(String app) {
        return local.router(app);
    }

    @Override
    public void removeRouter(String app) {
        local.removeRouter(app);
    }

    @Override
    public void saveRoutes(RouteTable routes) {
        local.saveRoutes(routes);
    }

    @Override
    public Optional<RouteTable> routes(String app) {
        return local.routes(app);
    }

    // --- RolloutTable ----------------------------------------------------------------------------

    @Override
    public Rollout saveRollout(Rollout r, Instant now) {
        return rollouts.saveRollout(r, now);
    }

    @Override
    public Optional<Rollout> activeRollout(String app) {
        return rollouts.activeRollout(app);
    }

    @Override
    public List<Rollout> rollouts(String app, int limit) {
        return rollouts.rollouts(app, limit);
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




}
