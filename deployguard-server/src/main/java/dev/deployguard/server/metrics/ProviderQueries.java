package dev.deployguard.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Custom metrics' Prometheus and web queries ({@link MetricQuery}): one instant query per measurement, the result as
 * the conditions see it (a number; a vector as a list, as Argo Rollouts gives it; a JSON object as a map). Router
 * measures are answered by {@code router}, DeployGuard's own per-request windows.
 */
public final class ProviderQueries implements MetricQuery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Duration timeout;
    private final MetricQuery router;

    public ProviderQueries(Duration timeout, MetricQuery router) {
        this.timeout = timeout;
        this.http = SharedHttp.client(timeout, HttpClient.Redirect.NORMAL);
        this.router = router;
    }

    @Override
    public Answer query(MetricDefinition metric, String track, Instant at) {
        try {
            if (metric.provider() instanceof Provider.Prometheus p) {
                return prometheus(p, track, at);
            } else if (metric.provider() instanceof Provider.Web w) {
                return web(w, track);
            }
            return router.query(metric, track, at);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer.Unavailable("interrupted");
        } catch (Unreachable e) {
            return new Answer.Unavailable(e.getMessage());
        }
    }

    @Override
    public void observe(Instant now) {
        router.observe(now);
    }

    private Answer prometheus(Provider.Prometheus p, String track, Instant at) throws InterruptedException {
        String promql = withTrack(p.query(), track);
        String base = p.url().endsWith("/") ? p.url().substring(0, p.url().length() - 1) : p.url();
        JsonNode body = get(URI.create(base + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time=" + at.getEpochSecond()), "Prometheus at " + p.url());
        if (body == null || !"success".equals(body.path("status").asText())) {
            return new Answer.Unavailable("Prometheus at " + p.url() + " rejected " + promql + ": "
                    + (body == null ? "no API response" : body.path("error").asText("no error text")));
        }
        JsonNode data = body.path("data");
        JsonNode result = data.path("result");
        switch (data.path("resultType").asText()) {
            case "scalar" -> {
                return number(result.path(1), promql);
            }
            case "vector" -> {
                if (result.isEmpty()) {
                    // No series: no evidence, which holds the analysis (an Error measurement), never fails it.
                    return new Answer.Unavailable("no data for " + promql);
                }
                List<Object> values = new ArrayList<>();
                for (JsonNode sample : result) {
                    Answer a = number(sample.path("value").path(1), promql);
                    if (a instanceof Answer.Unavailable) {
                        return a;
                    }
                    values.add(((Answer.Value) a).result());
                }
                return new Answer.Value(values);
            }
            default -> {
                return new Answer.Unavailable(promql + " returned a " + data.path("resultType").asText()
                        + "; expected an instant vector or a scalar");
            }
        }
    }

    private Answer web(Provider.Web w, String track) throws InterruptedException {
        String url = withTrack(w.url(), track);
        JsonNode body = get(URI.create(url), url);
        if (body == null) {
            return new Answer.Unavailable(url + " answered no JSON");
        }
        JsonNode v;
        try {
            v = w.jsonPath().isEmpty() ? body
                    : w.jsonPath().startsWith("/") ? body.at(w.jsonPath()) : JsonPath.parse(w.jsonPath()).select(body);
        } catch (IllegalArgumentException e) {
            return new Answer.Unavailable(url + ": " + e.getMessage());
        }
        if (v == null || v.isMissingNode() || v.isNull()) {
            return new Answer.Unavailable(url + " has nothing at " + w.jsonPath());
        }
        return new Answer.Value(plain(v));
    }

    private JsonNode get(URI uri, String what) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2 && response.statusCode() != 400 && response.statusCode() != 422) {
                return null;
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new Unreachable(what + " unreachable: " + PrometheusSource.describe(e));
        }
    }

    private static Answer number(JsonNode v, String promql) {
        try {
            return new Answer.Value(Double.parseDouble(v.asText()));
        } catch (NumberFormatException e) {
            return new Answer.Unavailable(promql + " returned " + v + ", not a number");
        }
    }

    private static Object plain(JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        } else if (v.isBoolean()) {
            return v.booleanValue();
        } else if (v.isArray()) {
            List<Object> out = new ArrayList<>();
            v.forEach(e -> out.add(plain(e)));
            return out;
        } else if (v.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            v.properties().forEach(e -> out.put(e.getKey(), plain(e.getValue())));
            return out;
        }
        return v.asText();
    }

    private static String withTrack(String template, String track) {
        return track == null ? template : template.replace("{{track}}", track);
    }

    /** A provider that cannot be reached: caught in {@link #query} and answered as unavailable. */
    private static final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }
}
