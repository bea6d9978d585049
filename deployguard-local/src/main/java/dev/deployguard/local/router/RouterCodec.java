package dev.deployguard.local.router;

import dev.deployguard.local.router.JsonReader.JsonNumber;
import dev.deployguard.local.router.RouterMetrics.BackendHealth;
import dev.deployguard.local.router.RouterMetrics.Latency;
import dev.deployguard.local.router.RouterMetrics.StatusCounts;
import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The router's JSON: route tables and app listeners read strictly (unknown fields, missing fields and numbers that
 * are not whole are refused with the field's path), and every answer of the admin API and every state file written,
 * field for field as Jackson's databind writes the same records for the control plane, which reads them with it
 * ({@link RouterClient}). The router itself loads no databind ({@link JsonReader} says why).
 */
final class RouterCodec {
    private static final List<String> TABLE_FIELDS = List.of("app", "generation", "tracks");
    private static final List<String> TRACK_FIELDS = List.of("name", "revision", "weightBasisPoints", "backends");
    private static final List<String> LISTENER_FIELDS = List.of("listen", "tlsListen", "tlsCert", "tlsKey",
            "accessLog");

    private RouterCodec() {
    }

    /** The route table in {@code body}, or null for an empty body; IllegalArgumentException naming the problem. */
    static RouteTable routeTable(byte[] body) {
        Object doc = JsonReader.read(body);
        if (doc == null) {
            return null;
        }
        Map<String, Object> table = fields(doc, "", TABLE_FIELDS, true);
        List<Track> tracks = new ArrayList<>();
        List<Object> items = list(table.get("tracks"), "tracks");
        for (int i = 0; i < items.size(); i++) {
            String at = "tracks[" + i + "]";
            if (items.get(i) == null) {
                throw new IllegalArgumentException("tracks must not contain null (at " + at + ")");
            }
            Map<String, Object> track = fields(items.get(i), at, TRACK_FIELDS, true);
            List<String> backends = new ArrayList<>();
            for (Object backend : list(track.get("backends"), at + ".backends")) {
                if (backend == null) {
                    throw new IllegalArgumentException(at + ".backends must not contain null");
                }
                backends.add(text(backend, at + ".backends"));
            }
            tracks.add(new Track(text(track.get("name"), at + ".name"), whole(track.get("revision"), at + ".revision"),
                    whole(track.get("weightBasisPoints"), at + ".weightBasisPoints"),
                    backends));
        }
        return new RouteTable(text(table.get("app"), "app"), wholeLong(table.get("generation"), "generation"),
                tracks);
    }

    /** The app listener in {@code body} (absent fields are none), or null for an empty body. */
    static AppListener listener(byte[] body) {
        Object doc = JsonReader.read(body);
        if (doc == null) {
            return null;
        }
        Map<String, Object> listener = fields(doc, "", LISTENER_FIELDS, false);
        return new AppListener(text(listener.get("listen"), "listen"), text(listener.get("tlsListen"), "tlsListen"),
                text(listener.get("tlsCert"), "tlsCert"), text(listener.get("tlsKey"), "tlsKey"),
                text(listener.get("accessLog"), "accessLog"));
    }

    /** {@code value} as compact JSON. */
    static byte[] json(Object value) {
        JsonWriter out = new JsonWriter(false);
        write(out, value);
        return out.bytes();
    }

    /** {@code value} as JSON indented for a person (the state files). */
    static byte[] pretty(Object value) {
        JsonWriter out = new JsonWriter(true);
        write(out, value);
        return out.bytes();
    }

    private static Map<String, Object> fields(Object value, String at, List<String> known, boolean allRequired) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("expected an object" + where(at));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) map;
        for (String name : fields.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "'" + where(at) + "; expected one of: "
                        + String.join(", ", known));
            }
        }
        if (allRequired) {
            for (String name : known) {
                if (!fields.containsKey(name)) {
                    throw new IllegalArgumentException("missing field '" + name + "'" + where(at));
                }
            }
        }
        return fields;
    }

    private static String where(String at) {
        return at.isEmpty() ? "" : " at " + at;
    }

    private static List<Object> list(Object value, String at) {
        if (!(value instanceof List<?> items)) {
            throw new IllegalArgumentException(at + " must be a list");
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) items;
        return list;
    }

    private static String text(Object value, String at) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new IllegalArgumentException(at + " must be a string");
    }

    private static int whole(Object value, String at) {
        long n = wholeLong(value, at);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(at + " is out of range: " + n);
        }
        return (int) n;
    }

    private static long wholeLong(Object value, String at) {
        if (value instanceof JsonNumber number && number.whole()) {
            try {
                return Long.parseLong(number.text());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(at + " is out of range: " + number.text());
            }
        }
        throw new IllegalArgumentException(at + " must be a whole number");
    }

    private static void write(JsonWriter out, Object value) {
        if (value == null) {
            out.nullValue();
        } else if (value instanceof String s) {
            out.value(s);
        } else if (value instanceof Boolean b) {
            out.value(b);
        } else if (value instanceof Integer || value instanceof Long) {
            out.value(((java.lang.Number) value).longValue());
        } else if (value instanceof Map<?, ?> map) {
            out.beginObject();
            map.forEach((k, v) -> {
                out.name(String.valueOf(k));
                write(out, v);
            });
            out.endObject();
        } else if (value instanceof Collection<?> items) {
            out.beginArray();
            items.forEach(item -> write(out, item));
            out.endArray();
        } else {
            writeRecord(out, value);
        }
    }

    private static void writeRecord(JsonWriter out, Object value) {
        out.beginObject();
        if (value instanceof RouteTable t) {
            out.name("app").value(t.app()).name("generation").value(t.generation()).name("tracks");
            write(out, t.tracks());
        } else if (value instanceof Track t) {
            out.name("name").value(t.name()).name("revision").value(t.revision())
                    .name("weightBasisPoints").value(t.weightBasisPoints()).name("backends");
            write(out, t.backends());
        } else if (value instanceof AppListener l) {
            out.name("listen").value(l.listen());
            optional(out, "tlsListen", l.tlsListen());
            optional(out, "tlsCert", l.tlsCert());
            optional(out, "tlsKey", l.tlsKey());
            optional(out, "accessLog", l.accessLog());
        } else if (value instanceof RouterHealth h) {
            out.name("app").value(h.app()).name("pid").value(h.pid())
                    .name("generation").value(h.generation()).name("listen").value(h.listen());
        } else if (value instanceof HostHealth h) {
            out.name("pid").value(h.pid()).name("apps");
            write(out, h.apps());
        } else if (value instanceof RouterMetrics m) {
            out.name("generation").value(m.generation()).name("tracks");
            write(out, m.tracks());
            out.name("inFlight");
            write(out, m.inFlight());
            out.name("retired");
            write(out, m.retired());
            out.name("backends");
            write(out, m.backends());
        } else if (value instanceof TrackMetrics t) {
            out.name("track").value(t.track()).name("revision").value(t.revision())
                    .name("requests").value(t.requests()).name("status");
            write(out, t.status());
            out.name("proxyErrors").value(t.proxyErrors()).name("latencyMicros");
            write(out, t.latencyMicros());
            out.name("windows");
            write(out, t.windows());
            out.name("synthetic").value(t.synthetic());
        } else if (value instanceof StatusCounts s) {
            out.name("2xx").value(s.success()).name("3xx").value(s.redirection())
                    .name("4xx").value(s.clientError()).name("5xx").value(s.serverError());
        } else if (value instanceof Latency l) {
            out.name("p50").value(l.p50()).name("p90").value(l.p90()).name("p99").value(l.p99())
                    .name("max").value(l.max());
        } else if (value instanceof Window w) {
            out.name("startEpochMs").value(w.startEpochMs()).name("requests").value(w.requests())
                    .name("errors").value(w.errors()).name("p50Micros").value(w.p50Micros())
                    .name("p99Micros").value(w.p99Micros()).name("latencySumMicros").value(w.latencySumMicros())
                    .name("latencyBuckets");
            write(out, w.latencyBuckets());
            out.name("canarySlower").value(w.canarySlower()).name("canaryFaster").value(w.canaryFaster())
                    .name("pairMicros");
            write(out, w.pairMicros());
        } else if (value instanceof BackendHealth b) {
            out.name("backend").value(b.backend()).name("ejected").value(b.ejected())
                    .name("ejectedUntilEpochMs").value(b.ejectedUntilEpochMs()).name("ejections").value(b.ejections())
                    .name("lastFailure").value(b.lastFailure());
        } else {
            throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
        out.endObject();
    }

    private static void optional(JsonWriter out, String name, String value) {
        if (value != null) {
            out.name(name).value(value);
        }
    }
}
