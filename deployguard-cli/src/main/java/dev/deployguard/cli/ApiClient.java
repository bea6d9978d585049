package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Talks to a running control plane's HTTP API; turns its JSON errors back into exit codes. */
public final class ApiClient {
    private final String baseUrl;
    private final String token;
    private final String actor;
    private final ObjectMapper json = Json.mapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

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

    private HttpResponse<String> exchange(HttpRequest.Builder b, String path) {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.header("X-DeployGuard-Actor", actor);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
