package dev.deployguard.supplychain.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.ImageSpec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small client of the OCI distribution API on the JDK's HttpClient: {@code /v2/} ping, manifests by tag or digest,
 * blobs. Every answer is checked against its digest, every request has a timeout, and an anonymous bearer token is
 * fetched when a registry asks for one ({@code WWW-Authenticate: Bearer realm=...}).
 */
public final class RegistryClient {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    /** Without these a registry may answer 400 or convert to schema 1 (docker-registry 2.8 answers 400). */
    static final String MANIFEST_ACCEPT = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST,
            DOCKER_MANIFEST_LIST);
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final int MAX_BODY = 16 * 1024 * 1024;

    private final HttpClient http;
    private final Duration timeout;
    private final Predicate<String> plainHttp;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final RegistryCredentials credentials;

    /**
     * @param timeout   the limit for connecting and for each request
     * @param plainHttp which hosts are spoken to over plain HTTP (the rest over HTTPS)
     */
    public RegistryClient(Duration timeout, Predicate<String> plainHttp) {
        this(timeout, plainHttp, RegistryCredentials.ANONYMOUS);
    }

    /**
     * @param credentials where to find a user and secret for a host that asks for them (basic or bearer)
     */
    public RegistryClient(Duration timeout, Predicate<String> plainHttp, RegistryCredentials credentials) {
        this.credentials = credentials;
        this.timeout = timeout;
        this.plainHttp = plainHttp;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A client with the image section's timeout and plain-HTTP rule, and the Docker config's credentials. */
    public static RegistryClient forImage(ImageSpec image) {
        return new RegistryClient(image.timeout(), image::plainHttp, DockerConfig.fromEnvironment());
    }

    public Duration timeout() {
        return timeout;
    }

    /** Asks {@code /v2/}; a 200 or a 401 (auth required) means a registry answers there. */
    public void ping(String host) throws RegistryException {
        HttpResponse<byte[]> r = send(host, HttpRequest.newBuilder(uri(host, "/v2/")).GET(), null);
        if (r.statusCode() != 200 && r.statusCode() != 401) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, "GET " + uri(host, "/v2/")
                    + " answered " + r.statusCode() + "; that is not an OCI registry API");
        }
    }

    /**
     * Fetches a manifest by tag or digest. The digest is computed over the bytes served; when the registry also
     * sends {@code Docker-Content-Digest}, or the reference is a digest, they must agree.
     */
    public Manifest manifest(String host, String path, String reference) throws RegistryException {
        URI uri = uri(host, "/v2/" + path + "/manifests/" + reference);
        HttpResponse<byte[]> r = send(host, HttpRequest.newBuilder(uri).GET().header("Accept", MANIFEST_ACCEPT),
                "repository:" + path + ":pull");
        expectOk(host, uri, r, "manifest " + path + ":" + reference);
        byte[] body = r.body();
        String digest = Digests.sha256(body);
        String served = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (served != null && Digests.isSha256(served) && !served.equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, "manifest " + path + ":" + reference
                    + " from " + host + " has digest " + digest + " but the registry says " + served
                    + "; refusing an answer that does not match its digest");
        }
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, "manifest " + path + "@" + reference
                    + " from " + host + " hashes to " + digest + "; the registry served other bytes");
        }
        String type = r.headers().firstValue("Content-Type").orElse(null);
        return new Manifest(body, type, digest);
    }

    /** Fetches a blob and checks it against its digest. */
    public byte[] blob(String host, String path, String digest) throws RegistryException {
        if (!Digests.isSha256(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, "blob digest '" + digest
                    + "' is not sha256:<64 hex>");
        }
        URI uri = uri(host, "/v2/" + path + "/blobs/" + digest);
        HttpResponse<byte[]> r = send(host, HttpRequest.newBuilder(uri).GET(), "repository:" + path + ":pull");
        expectOk(host, uri, r, "blob " + digest);
        String actual = Digests.sha256(r.body());
        if (!actual.equals(digest)) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, "blob " + digest + " from " + host
                    + " hashes to " + actual + "; its content was altered");
        }
        return r.body();
    }

    /**
     * The referrers of a digest (OCI distribution 1.1): {@code GET /v2/<path>/referrers/<digest>}; when the registry
     * has no referrers API (404, as docker-registry 2.8), the referrers tag schema's image index at tag
     * {@code sha256-<hex>}. Empty when neither exists.
     */
    public Referrers referrers(String host, String path, String digest) throws RegistryException {
        URI uri = uri(host, "/v2/" + path + "/referrers/" + digest);
        HttpResponse<byte[]> r = send(host, HttpRequest.newBuilder(uri).GET().header("Accept", OCI_INDEX),
                "repository:" + path + ":pull");
        if (r.statusCode() == 200) {
            return new Referrers(descriptors(host, r.body(), "referrers of " + digest), "referrers API " + uri);
        }
        if (r.statusCode() != 404) {
            expectOk(host, uri, r, "referrers of " + digest);
        }
        String tag = digest.replace(':', '-');
        try {
            Manifest index = manifest(host, path, tag);
            return new Referrers(descriptors(host, index.bytes(), "referrers tag " + tag),
                    "referrers tag " + host + "/" + path + ":" + tag);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return new Referrers(List.of(), "no referrers API and no referrers tag " + tag);
            }
            throw e;
        }
    }

    /** The referrer descriptors of a digest and where they were read. */
    public record Referrers(List<JsonNode> descriptors, String source) {
        public Referrers {
            descriptors = List.copyOf(descriptors);
        }
    }

    private static List<JsonNode> descriptors(String host, byte[] index, String what) throws RegistryException {
        try {
            JsonNode json = Json.mapper().readTree(index);
            return json.path("manifests").isArray()
                    ? java.util.stream.StreamSupport.stream(json.path("manifests").spliterator(), false).toList()
                    : List.of();
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, what + " is not a JSON image index", e);
        }
    }

    URI uri(String host, String path) {
        return URI.create((plainHttp.test(host) ? "http://" : "https://") + host + path);
    }

    private static void expectOk(String host, URI uri, HttpResponse<byte[]> r, String what)
            throws RegistryException {
        int s = r.statusCode();
        if (s == 200) {
            return;
        }
        if (s == 404) {
            throw new RegistryException(RegistryException.Kind.NOT_FOUND, host, what + " not found on " + host);
        }
        if (s == 401 || s == 403) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, "GET " + uri + " answered " + s
                    + "; the registry denies anonymous pulls (give credentials in the Docker config: docker login "
                    + host + ")");
        }
        if (s >= 500) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, host, "GET " + uri + " answered " + s);
        }
        throw new RegistryException(RegistryException.Kind.INVALID, host, "GET " + uri + " answered " + s);
    }

    /** Sends the request; on a bearer challenge fetches an anonymous token (cached per host and scope) and retries. */
    HttpResponse<byte[]> send(String host, HttpRequest.Builder req, String scope) throws RegistryException {
        req.timeout(timeout);
        String cached = scope == null ? null : tokens.get(host + " " + scope);
        if (cached != null) {
            req.header("Authorization", cached);
        }
        HttpResponse<byte[]> r = exchange(host, req.build());
        if (r.statusCode() == 401 && scope != null) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            Optional<RegistryCredential> credential = credentials.find(host);
            String authorization = null;
            if (challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
                authorization = "Bearer " + token(host, challenge, scope, credential.orElse(null));
            } else if (challenge.regionMatches(true, 0, "Basic", 0, 5) && credential.isPresent()) {
                authorization = credential.get().basic();
            }
            if (authorization != null) {
                tokens.put(host + " " + scope, authorization);
                req.setHeader("Authorization", authorization);
                r = exchange(host, req.build());
                if ((r.statusCode() == 401 || r.statusCode() == 403) && credential.isPresent()) {
                    throw new RegistryException(RegistryException.Kind.DENIED, host, "GET " + req.build().uri()
                            + " answered " + r.statusCode() + " with the credentials of "
                            + credential.get().describe() + "; check them, or their access to this repository");
                }
            }
        }
        return r;
    }

    private String token(String host, String challenge, String scope, RegistryCredential credential)
            throws RegistryException {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2));
        }
        String realm = params.get("realm");
        if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, host + " asked for a bearer token"
                    + " without a usable realm: " + challenge);
        }
        StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        if (params.containsKey("service")) {
            q.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8)).append('&');
        }
        q.append("scope=").append(URLEncoder.encode(params.getOrDefault("scope", scope), StandardCharsets.UTF_8));
        HttpRequest.Builder tokenRequest = HttpRequest.newBuilder(URI.create(q.toString())).timeout(timeout).GET();
        if (credential != null) {
            // The distribution token flow: the secret goes to the token service only, as Basic credentials.
            tokenRequest.header("Authorization", credential.basic());
        }
        HttpResponse<byte[]> r = exchange(host, tokenRequest.build());
        if (r.statusCode() >= 500) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, host, "the token service " + realm
                    + " answered " + r.statusCode());
        }
        if (r.statusCode() != 200) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, "the token service " + realm
                    + " answered " + r.statusCode() + (credential == null
                    ? "; anonymous pulls are not allowed (add credentials to the Docker config: docker login " + host
                    + ")" : " for " + credential.describe()));
        }
        try {
            JsonNode json = Json.mapper().readTree(r.body());
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.DENIED, host, "the token service " + realm
                        + " gave no token");
            }
            return token;
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.INVALID, host, "the token service " + realm
                    + " answered something that is not JSON", e);
        }
    }

    /**
     * Sends the request and follows redirects itself (registries redirect blob downloads to storage hosts): the
     * {@code Authorization} header goes along only to the same scheme, host and port, as Docker and containerd do, so
     * a token or password never reaches a storage host.
     */
    private HttpResponse<byte[]> exchange(String host, HttpRequest request) throws RegistryException {
        HttpRequest current = request;
        for (int hops = 0; ; hops++) {
            HttpResponse<byte[]> r = exchangeOnce(host, current);
            int s = r.statusCode();
            String location = r.headers().firstValue("Location").orElse(null);
            if (!(s == 301 || s == 302 || s == 303 || s == 307 || s == 308) || location == null
                    || !current.method().equals("GET")) {
                return r;
            }
            if (hops == 5) {
                throw new RegistryException(RegistryException.Kind.INVALID, host, request.uri() + " redirected more"
                        + " than 5 times");
            }
            URI next = current.uri().resolve(location);
            if (!next.getScheme().equals("https") && !next.getScheme().equals("http")) {
                throw new RegistryException(RegistryException.Kind.INVALID, host, request.uri() + " redirected to "
                        + next.getScheme() + ":, not HTTP");
            }
            boolean sameOrigin = next.getScheme().equals(current.uri().getScheme())
                    && String.valueOf(next.getHost()).equalsIgnoreCase(String.valueOf(current.uri().getHost()))
                    && next.getPort() == current.uri().getPort();
            HttpRequest.Builder b = HttpRequest.newBuilder(next).timeout(timeout).GET();
            current.headers().map().forEach((name, values) -> {
                if (sameOrigin || !name.equalsIgnoreCase("Authorization")) {
                    values.forEach(v -> b.header(name, v));
                }
            });
            current = b.build();
        }
    }

    private HttpResponse<byte[]> exchangeOnce(String host, HttpRequest request) throws RegistryException {
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (r.body() != null && r.body().length > MAX_BODY) {
                throw new RegistryException(RegistryException.Kind.INVALID, host, request.uri() + " answered "
                        + r.body().length + " bytes; more than DeployGuard reads from a registry");
            }
            return r;
        } catch (HttpConnectTimeoutException e) {
            throw unreachable(host, request, "no connection within " + timeout.toMillis() + " ms", e);
        } catch (HttpTimeoutException e) {
            throw unreachable(host, request, "no answer within " + timeout.toMillis() + " ms", e);
        } catch (ConnectException e) {
            throw unreachable(host, request, "connection refused", e);
        } catch (IOException e) {
            throw unreachable(host, request, e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(host, request, "interrupted", e);
        }
    }

    private static RegistryException unreachable(String host, HttpRequest request, String why, Exception e) {
        return new RegistryException(RegistryException.Kind.UNREACHABLE, host, "GET " + request.uri() + ": " + why,
                e);
    }

    /** The layers of an OCI/Docker image manifest, in order (empty for an index). */
    public static List<JsonNode> layers(Manifest manifest) throws RegistryException {
        try {
            JsonNode json = Json.mapper().readTree(manifest.bytes());
            return json.path("layers").isArray()
                    ? java.util.stream.StreamSupport.stream(json.path("layers").spliterator(), false).toList()
                    : List.of();
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.INVALID, null, "manifest " + manifest.digest()
                    + " is not JSON", e);
        }
    }
}
