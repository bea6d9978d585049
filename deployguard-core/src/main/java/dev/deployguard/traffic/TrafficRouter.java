package dev.deployguard.traffic;

import java.util.Optional;

/** The data plane as the control plane sees it: where an app's traffic goes, replaced atomically. */
public interface TrafficRouter {

    /** Makes the app's router serve exactly this table; returns once the router has it. */
    void apply(RouteTable table);

    /** The table the router serves now, if it answers. */
    Optional<RouteTable> current(String app);

    /** Requests in flight from the router to one backend, for draining before a stop. */
    int inFlight(String app, String backend);
}
