package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.util.HashSet;
import java.util.Set;

/** Checks on a route table beyond what its record enforces, made where a table enters the router. */
final class RouteTables {
    private RouteTables() {
    }

    /** Returns the table when every track is well-formed; throws IllegalArgumentException naming the problem. */
    static RouteTable validate(RouteTable table) {
        if (table.app() == null || table.app().isBlank()) {
            throw new IllegalArgumentException("app is missing");
        }
        if (table.generation() < 0) {
            throw new IllegalArgumentException("generation must not be negative, was " + table.generation());
        }
        Set<String> names = new HashSet<>();
        for (Track track : table.tracks()) {
            if (track == null) {
                throw new IllegalArgumentException("tracks must not contain null");
            }
            if (track.name() == null || track.name().isBlank()) {
                throw new IllegalArgumentException("every track needs a name");
            }
            if (!names.add(track.name())) {
                throw new IllegalArgumentException("track " + track.name() + " appears twice");
            }
            for (String backend : track.backends()) {
                if (backend == null) {
                    throw new IllegalArgumentException("track " + track.name() + " has a null backend");
                }
                try {
                    HostPort address = HostPort.parse(backend);
                    if (address.port() == 0) {
                        throw new IllegalArgumentException("port 0 is not a backend port");
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "track " + track.name() + " backend '" + backend + "': " + e.getMessage(), e);
                }
            }
        }
        return table;
    }

    /** A one-line reason for a JSON or validation failure ({@link RouterCodec}'s messages name the field). */
    static String describe(Exception e) {
        String reason = e.getMessage();
        return reason == null || reason.isBlank() ? e.getClass().getSimpleName() : reason.strip();
    }
}
