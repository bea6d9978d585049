package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Talks to a running control plane's HTTP API; turns its JSON errors back into exit codes. Every exchange is bounded:
 * connecting takes at most {@value #CONNECT_SECONDS} s, a read (GET) at most {@link #READ_TIMEOUT} of silence, a
 * write at most {@link #WRITE_TIMEOUT} (a deploy waits server-side for readiness, migrations and drills, each bounded
 * by the spec's own timeouts). {@value #TIMEOUT_ENV} (or the system property {@value #TIMEOUT_PROPERTY}) sets both,
 * as a duration such as {@code 90s} or {@code 20m}. A request that runs out of time exits
 * {@link ExitCode#UNREACHABLE} (5) with what to check.
 *
 * <p>One request per command over {@link HttpURLConnection}: the JDK's {@code java.net.http.HttpClient} costs about
 * 0.35 s of CPU to start (its selector thread and executor) — more than the rest of a read command — and a CLI
 * command never needs HTTP/2 or many requests in flight (bench/cli-startup).
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
    private final Optional<Duration> timeoutOverride = timeoutOverride();

    /** An answer: its HTTP status and body. */
    private record Answer(int status, String body) {
    }

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
        return parse(exchange("GET", path, null));
    }

    public String getText(String path) {
        Answer r = exchange("GET", path, null);
        if (r.status() != 200) {
            throw error(r);
        }
        return r.body();
    }

    public JsonNode post(String path, Map<String, ?> body) {
        try {
            return parse(exchange("POST", path, json.writeValueAsString(body)));
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

    private JsonNode parse(Answer r) {
        if (r.status() != 200) {
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

    private Answer exchange(String method, String path, String jsonBody) {
        Duration limit = timeoutOverride.orElse(method.equals("GET") ? READ_TIMEOUT : WRITE_TIMEOUT);
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(baseUrl + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(CONNECT_SECONDS * 1000);
            c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, limit.toMillis()));
            c.setUseCaches(false);
            c.setInstanceFollowRedirects(false);
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            c.setRequestProperty("X-DeployGuard-Actor", actor);
            byte[] bytes = jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8);
            if (bytes != null) {
                // Before connect(): a connected HttpURLConnection refuses these ("Already connected").
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(bytes.length);
                c.setRequestProperty("Content-Type", "application/json");
            }
            try {
                c.connect();
            } catch (SocketTimeoutException e) {
                throw new DeployGuardException(ExitCode.UNREACHABLE, "no control plane answers at " + baseUrl
                        + " (no connection within " + CONNECT_SECONDS + " s); is it running? start one with:"
                        + " deployguard server");
            }
            if (bytes != null) {
                try (OutputStream out = c.getOutputStream()) {
                    out.write(bytes);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String body = in == null ? "" : readAll(in);
            return new Answer(status, body);
        } catch (SocketTimeoutException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "the control plane at " + baseUrl + " did not answer "
                    + method + " " + path + " within " + Durations.format(limit) + "; it may still be working on it:"
                    + " see 'deployguard events' and 'deployguard status APP', and its log. Allow longer with "
                    + TIMEOUT_ENV + "=DURATION (such as 45m)");
        } catch (ConnectException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "no control plane answers at " + baseUrl
                    + "; start one with: deployguard server");
        } catch (IllegalArgumentException e) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "not a valid control-plane URL: " + baseUrl + path);
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "the control plane at " + baseUrl
                    + " did not answer " + path + ": " + e);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private DeployGuardException error(Answer r) {
        try {
            JsonNode n = json.readTree(r.body());
            int code = n.path("exitCode").asInt(ExitCode.FAILURE.code());
            ExitCode exit = ExitCode.FAILURE;
            for (ExitCode c : ExitCode.values()) {
                if (c.code() == code) {
                    exit = c;
                }
            }
            return new DeployGuardException(exit, n.path("error").asText("HTTP " + r.status()));
        } catch (IOException e) {
            return new DeployGuardException(ExitCode.FAILURE, "HTTP " + r.status() + ": " + r.body());
        }
    }
}
