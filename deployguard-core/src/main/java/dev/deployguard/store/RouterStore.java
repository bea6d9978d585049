package dev.deployguard.store;

import dev.deployguard.traffic.RouteTable;
import java.time.Instant;
import java.util.Optional;

/**
 * The store's role for the data plane of the local platform: each app's router process and the route table it
 * should serve, so either one can bring the other back after a crash.
 */
public interface RouterStore {

    void saveRouter(RouterRecord router);

    Optional<RouterRecord> router(String app);

    void removeRouter(String app);

    /** Replaces the app's desired route table. */
    void saveRoutes(RouteTable routes);

    Optional<RouteTable> routes(String app);

    /** The router process of an app, as recorded for re-adoption. */
    record RouterRecord(String app, long pid, Instant processStart, int adminPort, String listen, String logFile,
                        Instant startedAt) {
    }
}
