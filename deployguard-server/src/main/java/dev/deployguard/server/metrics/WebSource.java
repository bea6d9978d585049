package dev.deployguard.server.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackKind;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.io.IOException;
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
import java.util.Objects;

/**
 * Reads a window from a web/JSON endpoint, like Argo Rollouts' {@code web} metric provider: GET a URL, then pick the
 * four counts out of the JSON response with simple paths ({@link JsonPath}).
 *
 * <p>The URL may use {@code {{start}}}, {@code {{end}}} (epoch seconds) and {@code {{window}}} (e.g. {@code 30s});
 * they are URL-encoded. A non-2xx answer, malformed JSON, a missing path, a value that is not a non-negative finite
 * number, errors above requests, an unreachable endpoint and a timeout all give a missing window with the reason.
 * Fractional counts are rounded to the nearest whole request.
 */
public final class WebSource implements MetricSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param url the endpoint, may contain {@code {{start}}}, {@code {{end}}}, {@code {{window}}}
     * @param bearerToken sent as {@code Authorization: Bearer <token>} when not null or blank
     * @param stableRequests path of stable's request count, e.g. {@code $.stable.requests}
     * @param stableErrors path of stable's error count
     * @param canaryRequests path of canary's request count
     * @param canaryErrors path of canary's error count, e.g. {@code $.canary.errors} or {@code data[0].value}
     * @param timeout connect and request timeout
     */
    public record Config(String url, String bearerToken, String stableRequests, String stableErrors,
                         String canaryRequests, String canaryErrors, Duration timeout) {
        public Config {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            // fail fast on paths outside the supported subset
            JsonPath.parse(stableRequests);
            JsonPath.parse(stableErrors);
            JsonPath.parse(canaryRequests);
            JsonPath.parse(canaryErrors);
        }
    }

    private final Config config;
    private final JsonPath stableRequests;
    private final JsonPath stableErrors;
    private final JsonPath canaryRequests;
    private final JsonPath canaryErrors;
    private final HttpClient http;

    public WebSource(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.stableRequests = JsonPath.parse(config.stableRequests());
        this.stableErrors = JsonPath.parse(config.stableErrors());
        this.canaryRequests = JsonPath.parse(config.canaryRequests());
        this.canaryErrors = JsonPath.parse(config.canaryErrors());
        this.http = SharedHttp.client(config.timeout(), HttpClient.Redirect.NORMAL);
    }

    public Config config() {
        return config;
    }

    @Override
    public WindowObservation window(Instant start, Instant end) {
        try {
            JsonNode root = fetch(start, end);
            TrackWindow stable = track(TrackKind.STABLE.trackName(), root, stableRequests, stableErrors);
            TrackWindow canary = track(TrackKind.CANARY.trackName(), root, canaryRequests, canaryErrors);
            return WindowObservation.measured(start, end, stable, canary, LatencyPairs.NONE);
        } catch (SourceException e) {
            return WindowObservation.missing(start, end, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return WindowObservation.missing(start, end, "interrupted while querying " + config.url());
        }
    }

    private JsonNode fetch(Instant start, Instant end) throws SourceException, InterruptedException {
        String expanded = config.url()
                .replace("{{window}}", enc(Templates.promDuration(Templates.window(start, end))))
                .replace("{{start}}", enc(Templates.epochSeconds(start)))
                .replace("{{end}}", enc(Templates.epochSeconds(end)));
        URI uri;
        try {
            uri = URI.create(expanded);
        } catch (IllegalArgumentException e) {
            throw new SourceException("bad metric URL '" + expanded + "': " + e.getMessage());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Accept", "application/json").GET();
        if (config.bearerToken() != null && !config.bearerToken().isBlank()) {
            request.header("Authorization", "Bearer " + config.bearerToken());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new SourceException("metric endpoint " + uri + " timed out after " + config.timeout().toMillis()
                    + " ms");
        } catch (ConnectException e) {
            throw new SourceException("metric endpoint " + uri + " unreachable: "
                    + PrometheusSource.describe(e));
        } catch (IOException | IllegalArgumentException e) {
            throw new SourceException("metric endpoint " + uri + " failed: " + PrometheusSource.describe(e));
        }
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw new SourceException("metric endpoint " + uri + " answered HTTP " + status + ": "
                    + PrometheusSource.snippet(response.body()));
        }
        try {
            JsonNode root = JSON.readTree(response.body());
            if (root == null || root.isMissingNode()) {
                throw new SourceException("metric endpoint " + uri + " answered HTTP " + status
                        + " with an empty body, need JSON");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new SourceException("metric endpoint " + uri + " answered malformed JSON: "
                    + e.getOriginalMessage() + " (body: " + PrometheusSource.snippet(response.body()) + ")");
        }
    }

    private static TrackWindow track(String name, JsonNode root, JsonPath requestsPath, JsonPath errorsPath)
            throws SourceException {
        long requests = count(name + " requests", root, requestsPath);
        long errors = count(name + " errors", root, errorsPath);
        if (errors > requests) {
            throw new SourceException(name + " errors (" + errors + " at " + errorsPath + ") exceed " + name
                    + " requests (" + requests + " at " + requestsPath + ")");
        }
        return TrackWindow.counts(requests, errors);
    }

    private static long count(String what, JsonNode root, JsonPath path) throws SourceException {
        JsonNode node;
        try {
            node = path.select(root);
        } catch (IllegalArgumentException e) {
            throw new SourceException("path " + path + " for " + what + " not found in the response: "
                    + e.getMessage());
        }
        if (!node.isNumber()) {
            throw new SourceException("path " + path + " for " + what + " is " + JsonPath.kind(node)
                    + " (" + PrometheusSource.snippet(node.toString()) + "), not a number");
        }
        double value = node.doubleValue();
        if (!Double.isFinite(value) || value < 0) {
            throw new SourceException("path " + path + " for " + what + " is " + node + ", not a count");
        }
        return Math.round(value);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
