package dev.deployguard.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.h2.engine.Database;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The embedded database's connections: H2's own pool, replaced by a fresh one when H2 has closed its store after a
 * failed write (a full disk). Any statement on a connection to such a closed store can spin for ever in H2 2.3's
 * {@code MVStore.registerVersionUsage}, the ROLLBACK that the pool runs when a connection is given back included:
 * that is where FullDiskIT's control plane hung (its thread dump: an API thread RUNNABLE in registerVersionUsage under
 * {@code PooledJdbcConnection.close}). So such a connection is never used, rolled back or closed again: it and its
 * pool are kept aside, unclosed (closing or collecting them would run the same ROLLBACK), and a new pool opens the
 * database again on its next connection. One full-disk episode keeps at most the pool's connections aside.
 */
final class H2Pool extends DelegatingDataSource {
    private static final int MAX_CONNECTIONS = 8;
    /** Connections and pools of closed stores: never closed, never collected (see above). */
    private static final List<Object> SET_ASIDE = new CopyOnWriteArrayList<>();
    private final String url;
    private final String user;
    private final String password;
    private volatile JdbcConnectionPool pool;
    /** After {@link #dispose} (the store closed): a closed store is not opened again. */
    private volatile boolean disposed;

    H2Pool(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.pool = create();
    }

    private JdbcConnectionPool create() {
        JdbcConnectionPool p = JdbcConnectionPool.create(url, user, password);
        p.setMaxConnections(MAX_CONNECTIONS);
        return p;
    }

    @Override
    public Connection getConnection() throws SQLException {
        for (int attempt = 0; attempt < 2; attempt++) {
            JdbcConnectionPool current = pool;
            Connection c = current.getConnection();
            if (!closedStore(c)) {
                return c;
            }
            setAside(c, current);
        }
        throw new SQLException("The database has been closed: H2 closed its store after a failed write; it is opened"
                + " again on the next try", "90098", 90098);
    }

    /**
     * When {@code c} is a connection to a store H2 has closed: keeps it (and its pool) aside and starts a new pool;
     * true if so, and then the caller must not roll back, close or use {@code c} again.
     */
    static boolean setAsideIfClosed(DataSource dataSource, Connection c) {
        if (dataSource instanceof H2Pool h2 && closedStore(c)) {
            h2.setAside(c, h2.pool);
            return true;
        }
        return false;
    }

    /** Sets {@code c} aside as above whatever its store says (its rollback failed on the store); true if done. */
    static boolean setAside(DataSource dataSource, Connection c) {
        if (dataSource instanceof H2Pool h2) {
            h2.setAside(c, h2.pool);
            return true;
        }
        return false;
    }

    private synchronized void setAside(Connection c, JdbcConnectionPool of) {
        SET_ASIDE.add(c);
        if (pool == of && !disposed) {
            SET_ASIDE.add(of);
            pool = create();
            System.err.println("deployguard: the embedded database closed its store after a failed write;"
                    + " opening it again");
        }
    }

    /** True when H2 has closed (or is closing) the store under {@code c}. */
    static boolean closedStore(Connection c) {
        try {
            if (!c.isWrapperFor(JdbcConnection.class)
                    || !(c.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)) {
                return false;
            }
            Database db = session.getDatabase();
            return db.isClosing() || db.getStore() != null && db.getStore().getMvStore().isClosed();
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    void dispose() {
        disposed = true;
        pool.dispose();
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
        throw new SQLFeatureNotSupportedException("the store's pool has fixed credentials");
    }

    @Override
    DataSource delegate() {
        return pool;
    }
}
