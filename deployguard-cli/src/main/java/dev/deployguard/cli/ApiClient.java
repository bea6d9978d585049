package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Talks to a running control plane's HTTP API; turns its JSON errors back into exit codes.
 *
 * <p>One request per command over {@link HttpURLConnection}: the JDK's {@code java.net.http.HttpClient} costs about
 * 0.35 s of CPU to start (its selector thread and executor) — more than the rest of a read command — and a CLI
 * command never needs HTTP/2 or many requests in flight (bench/cli-startup).
 */
public final class ApiClient {
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private final String baseUrl;
    private final String token;
    private final String actor;
    private final ObjectMapper json = Json.mapper();

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

    private Answer exchange(String method, String path, String jsonBody) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(baseUrl + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setUseCaches(false);
            c.setInstanceFollowRedirects(false);
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            c.setRequestProperty("X-DeployGuard-Actor", actor);
            if (jsonBody != null) {
                byte[] bytes = jsonBody.getBytes(StandardCharsets.UTF_8);
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(bytes.length);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(bytes);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String body = in == null ? "" : readAll(in);
            return new Answer(status, body);
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
