package dev.deployguard.local.router;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks on a route table beyond what its record enforces, made where a table enters the router. */
final class RouteTables {
    private static final Pattern MISSING_PROPERTY = Pattern.compile("Missing creator property '([^']+)'");
    private static final Pattern SOURCE =
            Pattern.compile("\\s*\\((?:start marker at )?\\[Source:.*$|\\s*at \\[Source:.*$", Pattern.DOTALL);

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

    /** A one-line reason for a JSON or validation failure, without Jackson's source excerpts and feature names. */
    static String describe(Exception e) {
        return tidy(rawReason(e));
    }

    private static String tidy(String reason) {
        if (reason == null) {
            return "unknown error";
        }
        Matcher missing = MISSING_PROPERTY.matcher(reason);
        if (missing.find()) {
            return "missing field '" + missing.group(1) + "'";
        }
        return SOURCE.matcher(reason).replaceAll("").strip();
    }

    private static String rawReason(Exception e) {
        if (e instanceof JsonMappingException mapping) {
            Throwable root = mapping;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String where = mapping.getPath().isEmpty() ? "" : " at " + path(mapping);
            if (root != mapping && root.getMessage() != null) {
                return root.getMessage() + where;
            }
            return mapping.getOriginalMessage() + where;
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException processing) {
            return processing.getOriginalMessage();
        }
        return e.getMessage();
    }

    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }
}
