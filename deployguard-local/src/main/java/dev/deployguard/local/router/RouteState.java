package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The router's current routes: one immutable snapshot that request threads read without locks, replaced whole
 * when a newer table is accepted. A table is on disk before it routes a single request.
 */
final class RouteState {
    private final String app;
    private final RouteStateFile stateFile;
    private final TrafficStats stats;
    private final AtomicReference<RouteSnapshot> current;
    private final Object applyLock = new Object();

    RouteState(String app, RouteStateFile stateFile, TrafficStats stats) {
        this.app = app;
        this.stateFile = stateFile;
        this.stats = stats;
        this.current = new AtomicReference<>(RouteSnapshot.empty(app));
    }

    RouteSnapshot snapshot() {
        return current.get();
    }

    /** Installs the table read from the state file at start, without writing it back. */
    void restore(RouteTable table) {
        synchronized (applyLock) {
            install(checkApp(table));
        }
    }

    /**
     * Applies a table from the control plane.
     *
     * @return true when it replaced the routes, false when it is the table already in force
     * @throws StaleTableException when its generation is older than the current one, or equal with other content
     * @throws IllegalArgumentException when it is for another app or malformed
     * @throws IOException when it could not be saved; the routes are then unchanged
     */
    boolean apply(RouteTable table) throws IOException, StaleTableException {
        RouteTables.validate(table);
        checkApp(table);
        synchronized (applyLock) {
            RouteSnapshot now = current.get();
            long generation = now.table().generation();
            if (now.accepted()) {
                if (table.generation() < generation) {
                    throw new StaleTableException("generation " + table.generation()
                            + " is older than the router's generation " + generation, generation);
                }
                if (table.generation() == generation) {
                    if (table.equals(now.table())) {
                        return false;
                    }
                    throw new StaleTableException("generation " + generation
                            + " is already in force with a different table; send a higher generation", generation);
                }
            }
            stateFile.save(table);
            install(table);
            return true;
        }
    }

    private void install(RouteTable table) {
        Map<String, TrackStats> byTrack = stats.beginGeneration(table);
        current.set(RouteSnapshot.of(table, byTrack, stats.inFlightCounters()));
    }

    private RouteTable checkApp(RouteTable table) {
        if (!app.equals(table.app())) {
            throw new IllegalArgumentException(
                    "route table is for app " + table.app() + " but this router serves app " + app);
        }
        return table;
    }

    /** A table that would move the router back to an older generation. */
    static final class StaleTableException extends Exception {
        private final long currentGeneration;

        StaleTableException(String message, long currentGeneration) {
            super(message);
            this.currentGeneration = currentGeneration;
        }

        long currentGeneration() {
            return currentGeneration;
        }
    }
}
