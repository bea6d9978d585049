package dev.deployguard.local.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/** The control plane's client of a router's admin API on 127.0.0.1. Thread-safe; cheap to create. */
public final class RouterClient {
    /** Connecting to loopback takes microseconds; anything slower means nobody is there. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Adding an app binds its ports and, for the first HTTPS app of a router, builds its TLS context (class loading
     * and key parsing): more than 5 s on a cold router at load 35. A timed-out add would be reported as failed for an
     * app the router then serves, so it gets longer; it is never on a rollback's path (route tables are).
     */
    public static final Duration ADD_APP_TIMEOUT = Duration.ofSeconds(30);

    private static final TypeReference<Map<String, Integer>> IN_FLIGHT = new TypeReference<>() {
    };

    private final int adminPort;
    private final String authorization;
    private final Duration requestTimeout;
    private final URI base;
    /** {@code /admin} for the host router itself, {@code /admin/apps/APP} for one of its apps ({@link #forApp}). */
    private final String prefix;

    public RouterClient(int adminPort, String token) {
        this(adminPort, token, DEFAULT_REQUEST_TIMEOUT);
    }

    public RouterClient(int adminPort, String token, Duration requestTimeout) {
        this(adminPort, "Bearer " + Objects.requireNonNull(token, "token").trim(), requestTimeout, "/admin");
    }

    private RouterClient(int adminPort, String authorization, Duration requestTimeout, String prefix) {
        this.adminPort = adminPort;
        this.authorization = authorization;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.base = URI.create("http://127.0.0.1:" + adminPort);
        this.prefix = prefix;
    }

    /**
     * A client of one app of a host router ({@link HostRouterMain}): {@link #health()}, {@link #routes()},
     * {@link #putRoutes}, {@link #metrics()} and {@link #inFlight()} then ask for that app only.
     */
    public RouterClient forApp(String app) {
        return new RouterClient(adminPort, authorization, requestTimeout, "/admin/apps/" + HostedApps.checkName(app));
    }

    /** The host router's own health: its pid and the apps it serves. */
    public HostHealth hostHealth() {
        return read(send(get("/admin/health")), HostHealth.class);
    }

    /** The listener of {@code app} on a host router, or empty when it serves no such app. */
    public java.util.Optional<AppListener> app(String app) {
        try {
            return java.util.Optional.of(read(send(get("/admin/apps/" + HostedApps.checkName(app))),
                    AppListener.class));
        } catch (RouterRejectedException e) {
            if (e.status() == 404) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Makes a host router serve {@code app} with this listener: adds it, or rebinds it when the listener differs;
     * the same listener again is a no-op. Other apps' traffic is not touched.
     *
     * @return the listener in force, with the ports actually bound
     */
    public AppListener putApp(String app, AppListener listener) {
        byte[] body;
        try {
            body = RouterJson.STRICT.writeValueAsBytes(listener);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a listener as JSON", e);
        }
        HttpRequest request = request("/admin/apps/" + HostedApps.checkName(app))
                .timeout(requestTimeout.compareTo(ADD_APP_TIMEOUT) > 0 ? requestTimeout : ADD_APP_TIMEOUT)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return read(send(request), AppListener.class);
    }

    /** Stops serving {@code app} on a host router (in-flight requests finish) and forgets its files. */
    public void removeApp(String app) {
        send(request("/admin/apps/" + HostedApps.checkName(app)).DELETE().build());
    }

    /** A client using the token the router reads from the same file. */
    public static RouterClient forTokenFile(int adminPort, Path tokenFile) throws IOException {
        return new RouterClient(adminPort, Files.readString(tokenFile, StandardCharsets.UTF_8));
    }

    public int adminPort() {
        return adminPort;
    }

    public RouterHealth health() {
        return read(send(get(prefix + "/health")), RouterHealth.class);
    }

    /** The route table the router is serving now. */
    public RouteTable routes() {
        return read(send(get(prefix + "/routes")), RouteTable.class);
    }

    /**
     * Replaces the router's routes. Sending the table already in force again is a no-op.
     *
     * @return the table in force afterwards
     * @throws StaleRoutesException when the router holds a newer generation
     * @throws RouterRejectedException when the router refuses the table (its message says why)
     */
    public RouteTable putRoutes(RouteTable table) {
        byte[] body;
        try {
            body = RouterJson.STRICT.writeValueAsBytes(table);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write route table as JSON", e);
        }
        HttpRequest request = request(prefix + "/routes")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return read(send(request), RouteTable.class);
    }

    /** Everything the router recorded: cumulative per track since the generation, and windows of the last 300 s. */
    public RouterMetrics metrics() {
        return read(send(get(prefix + "/metrics")), RouterMetrics.class);
    }

    /** Like {@link #metrics()}, with only the windows that start at or after {@code sinceEpochMs}. */
    public RouterMetrics metrics(long sinceEpochMs) {
        return read(send(get(prefix + "/metrics?since=" + sinceEpochMs)), RouterMetrics.class);
    }

    /** Requests in flight per backend (host:port), for backends in the table and any still draining. */
    public Map<String, Integer> inFlight() {
        String body = send(get(prefix + "/inflight"));
        try {
            return RouterJson.LENIENT.readValue(body, IN_FLIGHT);
        } catch (JsonProcessingException e) {
            throw unexpected(e);
        }
    }

    /** Requests in flight to one backend (host:port); 0 when the router has none for it. */
    public int inFlight(String backend) {
        return inFlight().getOrDefault(backend, 0);
    }

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(requestTimeout)
                .header("Authorization", authorization)
                .header("Accept", "application/json");
    }

    private String send(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = sendOnce(request);
        } catch (IOException first) {
            if (first instanceof HttpTimeoutException) {
                throw unreachable(first);
            }
            // A pooled connection to a router that has since restarted fails once; every admin call is idempotent
            // (a repeated PUT of the same table is a no-op), so one retry on a fresh connection is safe.
            try {
                response = sendOnce(request);
            } catch (IOException second) {
                second.addSuppressed(first);
                throw unreachable(second);
            }
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response.body();
        }
        String message = "router at 127.0.0.1:" + adminPort + " refused " + request.method() + " "
                + request.uri().getPath() + " with " + status + ": " + errorMessage(response.body());
        if (status == 409) {
            throw new StaleRoutesException(message);
        }
        throw new RouterRejectedException(status, message);
    }

    private HttpResponse<String> sendOnce(HttpRequest request) throws IOException {
        try {
            return Shared.CLIENT.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RouterUnreachableException("interrupted while calling the router admin API at 127.0.0.1:"
                    + adminPort, e);
        }
    }

    private RouterUnreachableException unreachable(IOException e) {
        return new RouterUnreachableException("router admin API at 127.0.0.1:" + adminPort + " does not answer ("
                + describe(e) + "); is the router running?", e);
    }

    private <T> T read(String body, Class<T> type) {
        try {
            return RouterJson.LENIENT.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw unexpected(e);
        }
    }

    private RouterRejectedException unexpected(JsonProcessingException e) {
        return new RouterRejectedException(200, "router at 127.0.0.1:" + adminPort
                + " answered with JSON this client cannot read: " + e.getOriginalMessage());
    }

    private static String errorMessage(String body) {
        try {
            JsonNode node = RouterJson.LENIENT.readTree(body);
            if (node != null && node.hasNonNull("error")) {
                return node.get("error").asText();
            }
        } catch (JsonProcessingException e) {
            // Not our JSON: show the start of whatever it is.
        }
        return body.length() > 200 ? body.substring(0, 200) + "..." : body;
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message;
    }

    // One JDK client for all routers: each client owns a selector thread, and the control plane talks to many.
    private static final class Shared {
        static final HttpClient CLIENT = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }
}
