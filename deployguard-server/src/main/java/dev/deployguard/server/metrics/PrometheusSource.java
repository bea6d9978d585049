package dev.deployguard.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackKind;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads a window from Prometheus' HTTP API: one instant query ({@code GET /api/v1/query?query=...&time=<end>}) per
 * configured PromQL template, evaluated at the window's end.
 *
 * <p>Templates may use {@code {{window}}} (the window's length as a Prometheus duration, e.g. {@code 30s}),
 * {@code {{start}}} and {@code {{end}}} (epoch seconds). Count queries must return a scalar or an instant vector; the
 * values of all series of a vector are added, an empty vector counts 0. NaN, infinite or negative counts, errors above
 * requests, {@code status: error} responses, non-JSON answers, unreachable Prometheus and timeouts all give a missing
 * window with the reason.
 */
public final class PrometheusSource implements MetricSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One track's queries.
     *
     * @param requests PromQL for the track's requests in the window, e.g.
     *                 {@code sum(increase(http_requests_total{track="canary"}[{{window}}]))}
     * @param errors PromQL for the track's failed requests in the window
     * @param latencyBuckets optional (null) PromQL returning cumulative histogram buckets in the window as a vector
     *                       with an {@code le} label, e.g.
     *                       {@code sum by (le) (increase(http_request_duration_seconds_bucket{track="canary"}[{{window}}]))}
     * @param latencySum optional (null) PromQL for the sum of the track's latencies in the window
     */
    public record TrackQueries(String requests, String errors, String latencyBuckets, String latencySum) {
        public TrackQueries {
            requireQuery(requests, "requests");
            requireQuery(errors, "errors");
        }

        /** Counts only, no latencies. */
        public static TrackQueries counts(String requests, String errors) {
            return new TrackQueries(requests, errors, null, null);
        }
    }

    /**
     * @param baseUrl Prometheus' base URL, e.g. {@code http://prometheus:9090} (a path prefix is kept)
     * @param stable stable's queries
     * @param canary canary's queries
     * @param latencyUnitMillis milliseconds per unit of the latency metrics ({@code le} bounds and sums): 1000 for
     *                          Prometheus' usual seconds
     * @param timeout connect and per-query timeout
     */
    public record Config(URI baseUrl, TrackQueries stable, TrackQueries canary, double latencyUnitMillis,
                         Duration timeout) {
        public Config {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(stable, "stable");
            Objects.requireNonNull(canary, "canary");
            Objects.requireNonNull(timeout, "timeout");
            if (!(latencyUnitMillis > 0) || Double.isInfinite(latencyUnitMillis)) {
                throw new IllegalArgumentException("latencyUnitMillis must be positive and finite");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
        }

        /** Latency metrics in seconds, 10 s timeout. */
        public Config(URI baseUrl, TrackQueries stable, TrackQueries canary) {
            this(baseUrl, stable, canary, 1000, Duration.ofSeconds(10));
        }
    }

    private final Config config;
    private final HttpClient http;

    public PrometheusSource(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.http = SharedHttp.client(config.timeout(), HttpClient.Redirect.NEVER);
    }

    public Config config() {
        return config;
    }

    @Override
    public WindowObservation window(Instant start, Instant end) {
        if (Templates.window(start, end).toMillis() <= 0) {
            // Shorter than a millisecond, Prometheus' resolution: no query can express it ("offset 0s" is refused),
            // and nothing is lost by answering it empty: the next window starts from the same millisecond.
            return WindowObservation.measured(start, end, TrackWindow.counts(0, 0), TrackWindow.counts(0, 0),
                    LatencyPairs.NONE);
        }
        try {
            TrackWindow stable = track(TrackKind.STABLE.trackName(), config.stable(), start, end);
            TrackWindow canary = track(TrackKind.CANARY.trackName(), config.canary(), start, end);
            LatencyPairs pairs = LatencyPairs.ofMedians(canary.histogram().quantile(0.5),
                    stable.histogram().quantile(0.5));
            return WindowObservation.measured(start, end, stable, canary, pairs);
        } catch (SourceException e) {
            return WindowObservation.missing(start, end, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return WindowObservation.missing(start, end, "interrupted while querying Prometheus");
        }
    }

    private TrackWindow track(String name, TrackQueries q, Instant start, Instant end)
            throws SourceException, InterruptedException {
        long requests = count(name + " requests", q.requests(), start, end);
        long errors = count(name + " errors", q.errors(), start, end);
        if (errors > requests) {
            throw new SourceException(name + " errors (" + errors + ") exceed " + name + " requests (" + requests
                    + "): check the queries");
        }
        LatencyHistogram histogram = LatencyHistogram.EMPTY;
        if (q.latencyBuckets() != null && !q.latencyBuckets().isBlank()) {
            histogram = histogram(name + " latency buckets", q.latencyBuckets(), start, end);
        }
        double sumMillis = 0;
        if (q.latencySum() != null && !q.latencySum().isBlank()) {
            String what = name + " latency sum";
            double sum = sumOf(what, query(what, q.latencySum(), start, end));
            if (!Double.isFinite(sum) || sum < 0) {
                throw new SourceException("query for " + what + " returned " + sum);
            }
            sumMillis = sum * config.latencyUnitMillis();
        }
        return new TrackWindow(requests, errors, sumMillis, histogram);
    }

    private long count(String what, String template, Instant start, Instant end)
            throws SourceException, InterruptedException {
        double value = sumOf(what, query(what, template, start, end));
        if (Double.isNaN(value)) {
            throw new SourceException("query for " + what + " returned NaN");
        }
        if (Double.isInfinite(value) || value < 0) {
            throw new SourceException("query for " + what + " returned " + value + ", not a count");
        }
        return Math.round(value);
    }

    /** The sum of a scalar or of all series of a vector; 0 for an empty vector. */
    private static double sumOf(String what, JsonNode data) throws SourceException {
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        switch (type) {
            case "scalar":
                return sampleValue(what, result);
            case "vector":
                double sum = 0;
                for (JsonNode series : result) {
                    sum += sampleValue(what, series.path("value"));
                }
                return sum;
            default:
                throw new SourceException("query for " + what + " returned result type '" + type
                        + "', need vector or scalar");
        }
    }

    /** Prometheus sends a sample as {@code [<unix time>, "<value>"]}. */
    private static double sampleValue(String what, JsonNode sample) throws SourceException {
        if (!sample.isArray() || sample.size() != 2 || !sample.get(1).isTextual()) {
            throw new SourceException("query for " + what + " returned a malformed sample: " + sample);
        }
        String text = sample.get(1).asText();
        try {
            return switch (text) {
                case "NaN" -> Double.NaN;
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(text);
            };
        } catch (NumberFormatException e) {
            throw new SourceException("query for " + what + " returned a non-number sample value '" + text + "'");
        }
    }

    private LatencyHistogram histogram(String what, String template, Instant start, Instant end)
            throws SourceException, InterruptedException {
        JsonNode data = query(what, template, start, end);
        if (!"vector".equals(data.path("resultType").asText())) {
            throw new SourceException("query for " + what + " must return a vector, returned '"
                    + data.path("resultType").asText() + "'");
        }
        // le bound (in the metric's unit, exact decimal) -> cumulative count; +Inf kept apart
        TreeMap<BigDecimal, Double> cumulative = new TreeMap<>();
        Double infinity = null;
        for (JsonNode series : data.path("result")) {
            JsonNode le = series.path("metric").path("le");
            if (!le.isTextual()) {
                throw new SourceException("query for " + what + " returned a series without an 'le' label: "
                        + series.path("metric"));
            }
            double value = sampleValue(what, series.path("value"));
            if (Double.isNaN(value)) {
                continue; // a bucket without data in the window
            }
            if (!Double.isFinite(value) || value < 0) {
                throw new SourceException("query for " + what + " returned " + value + " for le=" + le.asText());
            }
            if (le.asText().equals("+Inf")) {
                infinity = (infinity == null ? 0 : infinity) + value;
            } else {
                try {
                    cumulative.merge(new BigDecimal(le.asText()), value, Double::sum);
                } catch (NumberFormatException e) {
                    throw new SourceException("query for " + what + " returned a bad le label '" + le.asText() + "'");
                }
            }
        }
        if (cumulative.isEmpty() && infinity == null) {
            return LatencyHistogram.EMPTY;
        }
        BigDecimal unit = BigDecimal.valueOf(config.latencyUnitMillis());
        List<Double> bounds = new ArrayList<>();
        List<Long> cumulativeCounts = new ArrayList<>();
        for (var e : cumulative.entrySet()) {
            bounds.add(e.getKey().multiply(unit).doubleValue());
            cumulativeCounts.add(Math.round(e.getValue()));
        }
        long total = infinity != null ? Math.round(infinity)
                : cumulativeCounts.isEmpty() ? 0 : cumulativeCounts.get(cumulativeCounts.size() - 1);
        double[] b = new double[bounds.size()];
        long[] counts = new long[bounds.size() + 1];
        long previous = 0;
        for (int i = 0; i < b.length; i++) {
            b[i] = bounds.get(i);
            // increase() of neighbouring buckets is extrapolated separately: clamp rounding noise at 0
            counts[i] = Math.max(0, cumulativeCounts.get(i) - previous);
            previous = Math.max(previous, cumulativeCounts.get(i));
        }
        counts[b.length] = Math.max(0, total - previous);
        try {
            return LatencyHistogram.of(b, counts);
        } catch (IllegalArgumentException e) {
            throw new SourceException("query for " + what + " returned unusable buckets: " + e.getMessage());
        }
    }

    /** Runs one instant query at the window's end and returns its {@code data}. */
    private JsonNode query(String what, String template, Instant start, Instant end)
            throws SourceException, InterruptedException {
        String promql = Templates.expand(template, start, end);
        URI uri = URI.create(withoutTrailingSlash(config.baseUrl().toString()) + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&time=" + Templates.epochSeconds(end));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new SourceException("Prometheus at " + config.baseUrl() + " timed out after "
                    + config.timeout().toMillis() + " ms on the query for " + what);
        } catch (ConnectException e) {
            throw new SourceException("Prometheus unreachable at " + config.baseUrl() + ": "
                    + describe(e));
        } catch (IOException e) {
            throw new SourceException("Prometheus unreachable at " + config.baseUrl() + " (query for " + what + "): "
                    + describe(e));
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.has("status")) {
            throw new SourceException("Prometheus answered the query for " + what + " with HTTP "
                    + response.statusCode() + " and no API response: " + snippet(response.body()));
        }
        String status = body.path("status").asText();
        if (!"success".equals(status)) {
            throw new SourceException("Prometheus rejected the query for " + what + " (" + promql + "): "
                    + body.path("errorType").asText("error") + ": " + body.path("error").asText("no error text"));
        }
        return body.path("data");
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getCause() != null && e.getCause() != e ? describe(e.getCause()) : e.getClass().getSimpleName();
        }
        return message;
    }

    static String snippet(String body) {
        if (body == null) {
            return "";
        }
        String s = body.strip().replaceAll("\\s+", " ");
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String withoutTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static void requireQuery(String q, String name) {
        if (q == null || q.isBlank()) {
            throw new IllegalArgumentException("a " + name + " query is required");
        }
    }
}
