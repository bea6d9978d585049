package dev.deployguard.local.router;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.deployguard.local.router.RouterMetrics.BackendHealth;
import dev.deployguard.local.router.RouterMetrics.Latency;
import dev.deployguard.local.router.RouterMetrics.StatusCounts;
import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;

/**
 * Writes the router's answers and state files to a jackson-core generator ({@link RouterCodec}), each record's fields
 * in the order and under the names databind gives them (component order, {@code @JsonProperty} names, an
 * {@link AppListener}'s absent fields left out as its {@code @JsonInclude(NON_NULL)} says).
 */
final class RouterWriter {
    private RouterWriter() {
    }

    static void write(JsonGenerator out, Object value) throws IOException {
        if (value == null) {
            out.writeNull();
        } else if (value instanceof String s) {
            out.writeString(s);
        } else if (value instanceof Boolean b) {
            out.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long) {
            out.writeNumber(((Number) value).longValue());
        } else if (value instanceof Map<?, ?> map) {
            out.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.writeFieldName(String.valueOf(entry.getKey()));
                write(out, entry.getValue());
            }
            out.writeEndObject();
        } else if (value instanceof Collection<?> items) {
            out.writeStartArray();
            for (Object item : items) {
                write(out, item);
            }
            out.writeEndArray();
        } else {
            out.writeStartObject();
            record(out, value);
            out.writeEndObject();
        }
    }

    private static void record(JsonGenerator out, Object value) throws IOException {
        if (value instanceof RouteTable t) {
            out.writeStringField("app", t.app());
            out.writeNumberField("generation", t.generation());
            field(out, "tracks", t.tracks());
        } else if (value instanceof Track t) {
            out.writeStringField("name", t.name());
            out.writeNumberField("revision", t.revision());
            out.writeNumberField("weightBasisPoints", t.weightBasisPoints());
            field(out, "backends", t.backends());
        } else if (value instanceof AppListener l) {
            out.writeStringField("listen", l.listen());
            optional(out, "tlsListen", l.tlsListen());
            optional(out, "tlsCert", l.tlsCert());
            optional(out, "tlsKey", l.tlsKey());
            optional(out, "accessLog", l.accessLog());
        } else if (value instanceof RouterHealth h) {
            out.writeStringField("app", h.app());
            out.writeNumberField("pid", h.pid());
            out.writeNumberField("generation", h.generation());
            out.writeStringField("listen", h.listen());
        } else if (value instanceof HostHealth h) {
            out.writeNumberField("pid", h.pid());
            field(out, "apps", h.apps());
        } else if (value instanceof RouterMetrics m) {
            out.writeNumberField("generation", m.generation());
            field(out, "tracks", m.tracks());
            field(out, "inFlight", m.inFlight());
            field(out, "retired", m.retired());
            field(out, "backends", m.backends());
        } else if (value instanceof TrackMetrics t) {
            trackMetrics(out, t);
        } else if (value instanceof StatusCounts s) {
            out.writeNumberField("2xx", s.success());
            out.writeNumberField("3xx", s.redirection());
            out.writeNumberField("4xx", s.clientError());
            out.writeNumberField("5xx", s.serverError());
        } else if (value instanceof Latency l) {
            out.writeNumberField("p50", l.p50());
            out.writeNumberField("p90", l.p90());
            out.writeNumberField("p99", l.p99());
            out.writeNumberField("max", l.max());
        } else if (value instanceof Window w) {
            window(out, w);
        } else if (value instanceof BackendHealth b) {
            out.writeStringField("backend", b.backend());
            out.writeBooleanField("ejected", b.ejected());
            out.writeNumberField("ejectedUntilEpochMs", b.ejectedUntilEpochMs());
            out.writeNumberField("ejections", b.ejections());
            out.writeStringField("lastFailure", b.lastFailure());
        } else {
            throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    private static void trackMetrics(JsonGenerator out, TrackMetrics t) throws IOException {
        out.writeStringField("track", t.track());
        out.writeNumberField("revision", t.revision());
        out.writeNumberField("requests", t.requests());
        field(out, "status", t.status());
        out.writeNumberField("proxyErrors", t.proxyErrors());
        field(out, "latencyMicros", t.latencyMicros());
        field(out, "windows", t.windows());
        out.writeNumberField("synthetic", t.synthetic());
    }

    private static void window(JsonGenerator out, Window w) throws IOException {
        out.writeNumberField("startEpochMs", w.startEpochMs());
        out.writeNumberField("requests", w.requests());
        out.writeNumberField("errors", w.errors());
        out.writeNumberField("p50Micros", w.p50Micros());
        out.writeNumberField("p99Micros", w.p99Micros());
        out.writeNumberField("latencySumMicros", w.latencySumMicros());
        field(out, "latencyBuckets", w.latencyBuckets());
        out.writeNumberField("canarySlower", w.canarySlower());
        out.writeNumberField("canaryFaster", w.canaryFaster());
        field(out, "pairMicros", w.pairMicros());
    }

    private static void field(JsonGenerator out, String name, Object value) throws IOException {
        out.writeFieldName(name);
        write(out, value);
    }

    private static void optional(JsonGenerator out, String name, String value) throws IOException {
        if (value != null) {
            out.writeStringField(name, value);
        }
    }
}
