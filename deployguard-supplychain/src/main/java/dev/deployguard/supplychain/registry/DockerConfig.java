package dev.deployguard.supplychain.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Registry credentials as the Docker CLI keeps them in {@code config.json}: a credential helper for the host
 * ({@code credHelpers}), else the {@code auths} entry ({@code auth} = base64 of {@code user:password}, or
 * {@code username}/{@code password}), else the default store ({@code credsStore}). A helper is run as
 * {@code docker-credential-<name> get} — an argument list, no shell — with the host on its standard input, as the
 * Docker CLI runs it.
 */
public final class DockerConfig implements RegistryCredentials {
    private static final long HELPER_TIMEOUT_SECONDS = 10;
    private final Path file;
    private final JsonNode config;
    private final Path helperDir;

    /**
     * @param helperDir where {@code docker-credential-*} programs are, or null to find them on the PATH
     */
    DockerConfig(Path file, JsonNode config, Path helperDir) {
        this.file = file;
        this.config = config;
        this.helperDir = helperDir;
    }

    /**
     * Reads {@code config.json} ({@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}); no file
     * means no credentials.
     */
    public static RegistryCredentials fromEnvironment() {
        String dir = System.getenv("DOCKER_CONFIG");
        Path file = dir != null ? Path.of(dir, "config.json")
                : Path.of(System.getProperty("user.home"), ".docker", "config.json");
        if (!Files.isRegularFile(file)) {
            return ANONYMOUS;
        }
        try {
            return read(file, null);
        } catch (IllegalArgumentException e) {
            // Only a registry that asks for credentials needs the file: fail there, with the reason.
            return host -> {
                throw new RegistryException(RegistryException.Kind.DENIED, host, e.getMessage());
            };
        }
    }

    /**
     * @throws IllegalArgumentException when the file is not a JSON object (the message names the file, not its content)
     */
    public static DockerConfig read(Path file, Path helperDir) {
        try {
            JsonNode json = Json.mapper().readTree(Files.readAllBytes(file));
            if (json == null || !json.isObject()) {
                throw new IllegalArgumentException(file + " is not a Docker config (a JSON object expected)");
            }
            return new DockerConfig(file, json, helperDir);
        } catch (IOException e) {
            // Jackson's message may quote the file's content, which holds secrets: name the file only.
            throw new IllegalArgumentException("cannot read the Docker config " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public Optional<RegistryCredential> find(String host) throws RegistryException {
        String helper = text(config.path("credHelpers"), host);
        if (helper != null) {
            return helper(helper, host);
        }
        JsonNode auth = entry(config.path("auths"), host);
        if (auth != null) {
            Optional<RegistryCredential> c = fromAuths(auth, host, file + " auths", file.toString());
            if (c.isPresent()) {
                return c;
            }
        }
        String store = config.path("credsStore").asText("");
        return store.isEmpty() ? Optional.empty() : helper(store, host);
    }

    /**
     * The credential of one {@code auths} entry: {@code auth} (base64 of {@code user:password}), else
     * {@code username}/{@code password}; empty when it has neither.
     *
     * @param where the source named in the credential and in messages (never the content)
     */
    static Optional<RegistryCredential> fromAuths(JsonNode auth, String host, String where, String file)
            throws RegistryException {
        String encoded = auth.path("auth").asText("");
        if (!encoded.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.DENIED, host, "the auths entry for " + host
                        + " in " + file + " is not base64 of user:password");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new RegistryException(RegistryException.Kind.DENIED, host, "the auths entry for " + host
                        + " in " + file + " is not base64 of user:password (no ':')");
            }
            return Optional.of(new RegistryCredential(decoded.substring(0, colon), decoded.substring(colon + 1),
                    where));
        }
        if (auth.hasNonNull("username") && auth.hasNonNull("password")) {
            return Optional.of(new RegistryCredential(auth.path("username").asText(),
                    auth.path("password").asText(), where));
        }
        return Optional.empty();
    }

    /** The entry for a host: keys may be {@code host}, {@code https://host} or {@code https://host/v1/}. */
    static JsonNode entry(JsonNode map, String host) {
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (normalize(e.getKey()).equals(host)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String text(JsonNode map, String host) {
        JsonNode n = entry(map, host);
        return n == null || !n.isTextual() || n.asText().isBlank() ? null : n.asText();
    }

    static String normalize(String key) {
        String k = key.strip();
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        return slash >= 0 ? k.substring(0, slash) : k;
    }

    private Optional<RegistryCredential> helper(String name, String host) throws RegistryException {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, "credential helper name '" + name
                    + "' in " + file + " is not a plain name");
        }
        String program = "docker-credential-" + name;
        List<String> command = new ArrayList<>();
        command.add(helperDir == null ? program : helperDir.resolve(program).toString());
        command.add("get");
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, "cannot run the credential helper "
                    + program + " named in " + file + " (" + e.getMessage() + "); install it or fix " + file);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(host.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the helper may exit before reading; its exit status says what happened
        }
        // Read both streams off this thread, so that a helper that hangs is bounded by the timeout.
        var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        var stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try {
            if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new RegistryException(RegistryException.Kind.DENIED, host, program + " did not answer within "
                        + HELPER_TIMEOUT_SECONDS + " s");
            }
            byte[] out = stdout.get(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String err = new String(stderr.get(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8)
                    .strip();
            String said = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                // The helpers' protocol: this text on stdout means "nothing stored", not a failure.
                if (said.contains("credentials not found")) {
                    return Optional.empty();
                }
                throw new RegistryException(RegistryException.Kind.DENIED, host, program + " get failed (exit "
                        + p.exitValue() + ")" + (err.isEmpty() ? "" : ": " + firstLine(err)));
            }
            JsonNode answer = Json.mapper().readTree(out);
            String user = answer.path("Username").asText("");
            String secret = answer.path("Secret").asText("");
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new RegistryCredential(user, secret, program));
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, program + " answered something that is"
                    + " not the credential helpers' JSON");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new RegistryException(RegistryException.Kind.DENIED, host, program + " was interrupted");
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }
}
