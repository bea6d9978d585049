package dev.deployguard.testing;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import dev.deployguard.traffic.TrafficRouter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link TrafficRouter} with no data plane behind it: it keeps every route table it was asked to serve, in order,
 * so a test can assert the weights a rollout set. Requests in flight per backend are whatever the test says, and a
 * router can be made unreachable to test how callers cope.
 */
public final class RecordingRouter implements TrafficRouter {
    private final List<RouteTable> applied = new ArrayList<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private final Set<String> down = new HashSet<>();

    @Override
    public synchronized void apply(RouteTable table) {
        failIfDown(table.app());
        applied.add(table);
    }

    @Override
    public synchronized Optional<RouteTable> current(String app) {
        if (down.contains(app)) {
            return Optional.empty();
        }
        return tables(app).stream().reduce((a, b) -> b);
    }

    @Override
    public synchronized int inFlight(String app, String backend) {
        failIfDown(app);
        return inFlight.getOrDefault(app + " " + backend, 0);
    }

    /** Every table applied for {@code app}, oldest first. */
    public synchronized List<RouteTable> tables(String app) {
        return applied.stream().filter(t -> t.app().equals(app)).toList();
    }

    /**
     * The weight (basis points) of the track named {@code track} in each table applied for {@code app}, oldest
     * first; a table without that track counts as 0.
     */
    public synchronized List<Integer> weights(String app, String track) {
        return tables(app).stream().map(t -> t.tracks().stream().filter(x -> x.name().equals(track))
                .mapToInt(Track::weightBasisPoints).sum()).toList();
    }

    /** Sets the requests in flight that {@link #inFlight} reports for one backend. */
    public synchronized void setInFlight(String app, String backend, int requests) {
        inFlight.put(app + " " + backend, requests);
    }

    /** Makes the app's router unreachable (true) or reachable again (false). */
    public synchronized void setDown(String app, boolean isDown) {
        if (isDown) {
            down.add(app);
        } else {
            down.remove(app);
        }
    }

    private void failIfDown(String app) {
        if (down.contains(app)) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "the router of app '" + app
                    + "' does not answer (RecordingRouter set down by the test)");
        }
    }
}
