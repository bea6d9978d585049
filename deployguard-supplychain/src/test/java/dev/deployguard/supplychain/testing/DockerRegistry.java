package dev.deployguard.supplychain.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test support: a real OCI registry, Debian's {@code /usr/bin/docker-registry}, with its own config (127.0.0.1 on a
 * free port, filesystem storage in a temp dir, no auth). It can be stopped and started again on the same port and
 * storage (outage tests), and can run as a pull-through cache of another registry, a mirror that really mirrors.
 */
public final class DockerRegistry implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private final Path dir;
    private final Path config;
    private final int port;
    private Process process;

    private DockerRegistry(Path dir, int port, String proxyOf) throws IOException {
        this(dir, port, proxyOf, dir.resolve("data"), "");
    }

    private DockerRegistry(Path dir, int port, String proxyOf, Path storage, String auth) throws IOException {
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                  accesslog: {disabled: true}
                storage:
                  filesystem: {rootdirectory: "%s"}
                  delete: {enabled: true}
                http:
                  addr: "127.0.0.1:%d"
                  secret: deployguard-test
                """.formatted(storage, port)
                + (proxyOf == null ? "" : "proxy: {remoteurl: \"http://" + proxyOf + "\"}\n") + auth);
    }

    /** Starts a registry that accepts pushes. */
    public static DockerRegistry start() throws IOException {
        return create(null);
    }

    /**
     * Starts a pull-through cache of {@code primary}: it serves what was pulled through it, also while the primary
     * is down. It refuses pushes.
     */
    public static DockerRegistry startMirrorOf(DockerRegistry primary) throws IOException {
        return create(primary.host());
    }

    /**
     * Starts a registry that serves {@code open}'s storage (so tests push there, anonymously) but requires a bearer
     * token from {@code realm}, signed by the key of the certificate {@code rootCert}, as the distribution token
     * flow does.
     */
    public static DockerRegistry startTokenAuthOver(DockerRegistry open, String realm, Path rootCert, String service,
                                                    String issuer) throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String auth = """
                auth:
                  token:
                    realm: "%s"
                    service: "%s"
                    issuer: "%s"
                    rootcertbundle: "%s"
                """.formatted(realm, service, issuer, rootCert);
        var r = new DockerRegistry(Files.createTempDirectory("dg-registry-auth"), port, null,
                open.dir.resolve("data"), auth);
        r.resume();
        return r;
    }

    /**
     * Starts a registry that serves {@code open}'s storage but requires HTTP Basic auth checked against an htpasswd
     * file (bcrypt entries, as {@code htpasswd -B} writes them) — the registry's {@code auth.htpasswd} mode.
     */
    public static DockerRegistry startHtpasswdOver(DockerRegistry open, Path htpasswd) throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String auth = """
                auth:
                  htpasswd:
                    realm: deployguard-test
                    path: "%s"
                """.formatted(htpasswd);
        var r = new DockerRegistry(Files.createTempDirectory("dg-registry-htpasswd"), port, null,
                open.dir.resolve("data"), auth);
        r.resume();
        return r;
    }

    private static DockerRegistry create(String proxyOf) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " not found; install the Debian package 'docker-registry'");
        }
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var r = new DockerRegistry(Files.createTempDirectory("dg-registry"), port, proxyOf);
        r.resume();
        return r;
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the registry again on the same port and storage and waits until {@code /v2/} answers. */
    public void resume() throws IOException {
        if (running()) {
            return;
        }
        process = new ProcessBuilder(BINARY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        Process started = process;
        // A test JVM that dies without its cleanup must not leave registries running.
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "stop-docker-registry"));
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        Instant deadline = Instant.now().plusSeconds(20);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + log());
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || r.statusCode() == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("docker-registry on " + host() + " did not answer /v2/: " + log());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Stops the registry process (kill -9: an outage, not a shutdown); its storage stays. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Whether the registry's own storage holds this blob (a pull-through cache commits blobs after serving them). */
    public boolean stores(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return Files.exists(dir.resolve("data/docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2))
                .resolve(hex).resolve("data"));
    }

    /**
     * Places a manifest in the registry's storage, in distribution's documented filesystem layout (blob data, the
     * repository's revision link and tag links), as a push would leave it. For real manifests whose layers the test
     * data does not carry: the registry refuses to accept a pushed manifest whose blobs it lacks, but serves one
     * that is stored, byte for byte, through the API. Returns the manifest's digest.
     */
    public String storeManifest(String path, String tag, byte[] manifest) throws IOException {
        String digest = dev.deployguard.supplychain.registry.Digests.sha256(manifest);
        String hex = digest.substring("sha256:".length());
        Path v2 = dir.resolve("data/docker/registry/v2");
        Path blob = v2.resolve("blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
        Files.createDirectories(blob.getParent());
        Files.write(blob, manifest);
        Path manifests = v2.resolve("repositories").resolve(path).resolve("_manifests");
        for (Path link : new Path[] {manifests.resolve("revisions/sha256").resolve(hex).resolve("link"),
                manifests.resolve("tags").resolve(tag).resolve("current/link"),
                manifests.resolve("tags").resolve(tag).resolve("index/sha256").resolve(hex).resolve("link")}) {
            Files.createDirectories(link.getParent());
            Files.writeString(link, digest);
        }
        return digest;
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("registry.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
