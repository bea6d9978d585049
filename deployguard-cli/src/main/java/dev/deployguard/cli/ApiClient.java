package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.Durations;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Talks to a running control plane's HTTP API; turns its JSON errors back into exit codes. Every exchange is bounded:
 * connecting takes at most {@value #CONNECT_SECONDS} s, a read (GET) at most {@link #READ_TIMEOUT}, a write at most
 * {@link #WRITE_TIMEOUT} (a deploy waits server-side for readiness, migrations and drills, each bounded by the
 * spec's own timeouts). {@value #TIMEOUT_ENV} (or the system property {@value #TIMEOUT_PROPERTY}) sets both, as
 * a duration such as {@code 90s} or {@code 20m}. A request that runs out of time exits
 * {@link ExitCode#UNREACHABLE} (5) with what to check.
 */
public final class ApiClient {
    static final int CONNECT_SECONDS = 2;
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    static final Duration WRITE_TIMEOUT = Duration.ofMinutes(30);
    static final String TIMEOUT_ENV = "DEPLOYGUARD_REQUEST_TIMEOUT";
    static final String TIMEOUT_PROPERTY = "deployguard.requestTimeout";

    private final String baseUrl;
    private final String token;
    private final String actor;
    private final ObjectMapper json = Json.mapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(CONNECT_SECONDS))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final Optional<Duration> timeoutOverride = timeoutOverride();

    public ApiClient(String baseUrl, String token, String actor) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.actor = actor;
    }

    /** Finds the server of a state directory from the files it wrote when it started. */
    public static ApiClient forStateDir(Path stateDir, String serverUrl, String actor) {
        return forStateDir(stateDir, serverUrl, null, actor);
    }

    /** As {@link #forStateDir(Path, String, String)}, with a token given on the command line (null: look it up). */
    public static ApiClient forStateDir(Path stateDir, String serverUrl, String tokenFlag, String actor) {
        String url = serverUrl;
        Path info = stateDir.resolve("server.json");
        if (url == null) {
            if (!Files.exists(info)) {
                throw new DeployGuardException(ExitCode.UNREACHABLE, "no control plane is running for state directory "
                        + stateDir.toAbsolutePath() + " (no server.json); start one with: deployguard server");
            }
            try {
                url = Json.mapper().readTree(info.toFile()).path("url").asText();
            } catch (IOException e) {
                throw new DeployGuardException(ExitCode.UNREACHABLE, "cannot read " + info + ": " + e.getMessage());
            }
        }
        String token = tokenFlag != null ? tokenFlag : System.getenv("DEPLOYGUARD_TOKEN");
        Path tokenFile = stateDir.resolve("api.token");
        if (token == null && Files.exists(tokenFile)) {
            try {
                token = Files.readString(tokenFile).trim();
            } catch (IOException e) {
                throw new DeployGuardException(ExitCode.FAILURE, "cannot read the API token " + tokenFile + ": "
                        + e.getMessage());
            }
        }
        return new ApiClient(url, token, actor);
    }

    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), path);
    }

    public String getText(String path) {
        HttpResponse<String> r = exchange(HttpRequest.newBuilder(uri(path)).GET(), path);
        if (r.statusCode() != 200) {
            throw error(r);
        }
        return r.body();
    }

    public JsonNode post(String path, Map<String, ?> body) {
        try {
            String text = json.writeValueAsString(body);
            return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(text)), path);
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, e.getMessage(), e);
        }
    }

    /** The base URL this client talks to. */
    public String baseUrl() {
        return baseUrl;
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private JsonNode send(HttpRequest.Builder b, String path) {
        HttpResponse<String> r = exchange(b, path);
        if (r.statusCode() != 200) {
            throw error(r);
        }
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "the control plane answered with malformed JSON: "
                    + e.getMessage());
        }
    }

    /** The limit set by {@value #TIMEOUT_PROPERTY} or {@value #TIMEOUT_ENV}, if any; a malformed one is bad input. */
    static Optional<Duration> timeoutOverride() {
        String property = System.getProperty(TIMEOUT_PROPERTY);
        String name = property != null ? "-D" + TIMEOUT_PROPERTY : TIMEOUT_ENV;
        String value = property != null ? property : System.getenv(TIMEOUT_ENV);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Duration d;
        try {
            d = Durations.parse(value.strip());
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput(name + "=" + value + ": " + e.getMessage()
                    + " (a duration such as 90s or 20m)");
        }
        if (d.isZero() || d.isNegative()) {
            throw DeployGuardException.badInput(name + "=" + value + ": must be longer than zero (such as 90s)");
        }
        return Optional.of(d);
    }

    private HttpResponse<String> exchange(HttpRequest.Builder b, String path) {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.header("X-DeployGuard-Actor", actor);
        HttpRequest request = b.build();
        Duration limit = timeoutOverride.orElse(request.method().equals("GET") ? READ_TIMEOUT : WRITE_TIMEOUT);
        request = HttpRequest.newBuilder(request, (name, value) -> true).timeout(limit).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "no control plane answers at " + baseUrl
                    + " (no connection within " + CONNECT_SECONDS + " s); is it running? start one with:"
                    + " deployguard server");
        } catch (HttpTimeoutException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "the control plane at " + baseUrl + " did not answer "
                    + request.method() + " " + path + " within " + Durations.format(limit) + "; it may still be"
                    + " working on it: see 'deployguard events' and 'deployguard status APP', and its log."
                    + " Allow longer with " + TIMEOUT_ENV + "=DURATION (such as 45m)");
        } catch (ConnectException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "no control plane answers at " + baseUrl
                    + "; start one with: deployguard server");
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "the control plane at " + baseUrl
                    + " did not answer " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "interrupted");
        }
    }

    private DeployGuardException error(HttpResponse<String> r) {
        try {
            JsonNode n = json.readTree(r.body());
            int code = n.path("exitCode").asInt(ExitCode.FAILURE.code());
            ExitCode exit = ExitCode.FAILURE;
            for (ExitCode c : ExitCode.values()) {
                if (c.code() == code) {
                    exit = c;
                }
            }
            return new DeployGuardException(exit, n.path("error").asText("HTTP " + r.statusCode()));
        } catch (IOException e) {
            return new DeployGuardException(ExitCode.FAILURE, "HTTP " + r.statusCode() + ": " + r.body());
        }
    }
}
