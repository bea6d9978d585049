package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 and TLS from users through the router process, with the JDK's HTTP client (h2c by {@code Upgrade}, h2 and
 * HTTP/1.1 over TLS by ALPN) and curl (h2c by prior knowledge, which the JDK client does not speak), to HTTP/1.1
 * backends: same routes, weights, overrides and per-track stats as HTTP/1.1; a certificate swapped under load with no
 * failed request; the access log parsed line by line. Certificates come from a test CA made with {@code openssl}.
 * As nginx's {@code listen ... ssl http2} with {@code proxy_pass} to HTTP/1.1 upstreams, and its {@code combined}
 * log format (nginx.org/en/docs/http/ngx_http_log_module.html).
 */
class RouterHttp2TlsIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Combined Log Format plus {@code track=} and {@code latency_ms=}. */
    private static final Pattern LOG_LINE = Pattern.compile("^(\\S+) - - \\[(\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2}"
            + " [+-]\\d{4})] \"(\\S+) (\\S+) (HTTP/[\\d.]+)\" (\\d{3}) (\\d+|-) \"((?:[^\"\\\\]|\\\\.)*)\""
            + " \"((?:[^\"\\\\]|\\\\.)*)\" track=(\\S+) latency_ms=(\\d+\\.\\d{3})$");

    @TempDir
    static Path dir;

    private static HttpServer v1;
    private static HttpServer v2;
    private static RouterFixture router;
    private static RouterClient admin;
    private static String tlsAddress;
    private static Path certFile;
    private static Path keyFile;
    private static Path accessLog;
    private static Path routerLog;
    private static SSLContext trustingTestCa;
    private static final AtomicLong generation = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        v1 = backend("v1");
        v2 = backend("v2");
        Path pki = Files.createDirectories(dir.resolve("pki"));
        openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=deployguard test CA");
        Files.writeString(pki.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        leaf(pki, "a", 1001);
        leaf(pki, "b", 1002);
        trustingTestCa = sslContextTrusting(pki.resolve("ca.pem"));

        certFile = dir.resolve("tls/router.pem");
        keyFile = dir.resolve("tls/router.key");
        Files.createDirectories(certFile.getParent());
        Files.copy(pki.resolve("a.pem"), certFile);
        Files.copy(pki.resolve("a.key"), keyFile);
        accessLog = dir.resolve("logs/access.log");
        tlsAddress = "127.0.0.1:" + Ports.freeLoopbackPort();
        router = RouterFixture.start(dir, "h2app", AppListener.of("127.0.0.1:" + Ports.freeLoopbackPort(),
                tlsAddress, certFile, keyFile, accessLog), List.of("-D" + RouterLimits.PREFIX + "tlsReloadMs=100"));
        routerLog = router.logFile();
        admin = router.client();
    }

    @AfterAll
    static void stop() {
        if (router != null) {
            router.close();
        }
        if (v1 != null) {
            v1.stop(0);
        }
        if (v2 != null) {
            v2.stop(0);
        }
    }

    @Test
    void h2cByUpgradeCarriesRequestsAndBodiesToHttp11BackendsAndCountsThemPerTrack() throws Exception {
        long gen = putWeights(Track.FULL, 0);
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

        HttpResponse<String> first = h2.send(get("http://" + router.listen() + "/hello").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(first.version()).as("the JDK client's Upgrade: h2c was accepted").isEqualTo(
                HttpClient.Version.HTTP_2);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("v1 GET /hello body=0 proto=http http2headers=0");

        String big = "z".repeat(200_000);
        HttpResponse<String> posted = h2.send(get("http://" + router.listen() + "/upload")
                .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(posted.body()).isEqualTo("v1 POST /upload body=200000 proto=http http2headers=0");
        // Expect: 100-continue over HTTP/2: the backend's 100 reaches the client as an interim headers frame.
        HttpResponse<String> continued = h2.send(get("http://" + router.listen() + "/continued").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString("abc")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(continued.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(continued.body()).isEqualTo("v1 POST /continued body=3 proto=http http2headers=0");

        // Many streams at once on the one connection.
        List<CompletableFuture<HttpResponse<String>>> parallel = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            parallel.add(h2.sendAsync(get("http://" + router.listen() + "/p" + i).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = parallel.get(i).get(15, TimeUnit.SECONDS);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.body()).startsWith("v1 GET /p" + i + " ");
        }
        // Forcing a track works over HTTP/2 as over HTTP/1.1.
        HttpResponse<String> forced = h2.send(get("http://" + router.listen() + "/forced")
                .header("X-DeployGuard-Track", "canary").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forced.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(forced.body()).startsWith("v2 GET /forced ");

        RouterMetrics metrics = awaitMetrics(m -> m.generation() == gen
                && m.track("stable").map(t -> t.requests() == 33).orElse(false)
                && m.track("canary").map(t -> t.requests() == 1).orElse(false));
        assertThat(metrics.track("stable").orElseThrow().status().success()).isEqualTo(33);
    }

    @Test
    void h2cByPriorKnowledgeFromCurl() throws Exception {
        long gen = putWeights(0, Track.FULL);
        String url = "http://" + router.listen() + "/prior";
        // One URL per curl: Debian 12's curl 7.88 cannot reuse a prior-knowledge connection (curl/curl#10634).
        for (int i = 0; i < 3; i++) {
            String out = run(List.of("curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_version}", url));
            assertThat(out).isEqualTo("v2 GET /prior body=0 proto=http http2headers=0 2");
        }
        awaitMetrics(m -> m.generation() == gen && m.track("canary").map(t -> t.requests() == 3).orElse(false)
                && m.track("stable").map(t -> t.requests() == 0).orElse(false));
    }

    @Test
    void tlsServesH2AndHttp11ByAlpnWithTheWeightsInForce() throws Exception {
        long gen = putWeights(0, Track.FULL);
        HttpClient h2 = HttpClient.newBuilder().sslContext(trustingTestCa).version(HttpClient.Version.HTTP_2).build();
        HttpClient h1 = HttpClient.newBuilder().sslContext(trustingTestCa).version(HttpClient.Version.HTTP_1_1)
                .build();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> a = h2.send(get("https://" + tlsAddress + "/secure").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(a.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(a.body()).isEqualTo("v2 GET /secure body=0 proto=https http2headers=0");
            HttpResponse<String> b = h1.send(get("https://" + tlsAddress + "/secure").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(b.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(b.body()).isEqualTo("v2 GET /secure body=0 proto=https http2headers=0");
        }
        awaitMetrics(m -> m.generation() == gen && m.track("canary").map(t -> t.requests() == 10).orElse(false)
                && m.track("stable").map(t -> t.requests() == 0).orElse(false));
    }

    @Test
    void aCertificateSwappedUnderLoadFailsNoRequestAndAMismatchedHalfSwapIsNotUsed() throws Exception {
        putWeights(Track.FULL, 0);
        Path pki = dir.resolve("pki");
        BigInteger serialA = BigInteger.valueOf(1001);
        BigInteger serialB = BigInteger.valueOf(1002);
        Map<BigInteger, AtomicInteger> served = new ConcurrentHashMap<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean(true);
        HttpClient keptAlive = HttpClient.newBuilder().sslContext(trustingTestCa)
                .version(HttpClient.Version.HTTP_2).build();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            // A new connection (a new handshake) per request: each sees the certificate in force at that moment.
            load.add(started(() -> {
                while (running.get()) {
                    try {
                        BigInteger serial = freshTlsRequest();
                        served.computeIfAbsent(serial, s -> new AtomicInteger()).incrementAndGet();
                        ok.incrementAndGet();
                    } catch (Exception | AssertionError e) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                }
            }));
        }
        // And one long-lived HTTP/2 connection, established before the swap, that must keep working after it.
        load.add(started(() -> {
            while (running.get()) {
                try {
                    HttpResponse<String> r = keptAlive.send(get("https://" + tlsAddress + "/kept").build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    ok.incrementAndGet();
                } catch (Exception | AssertionError e) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                }
            }
        }));
        try {
            awaitTrue(() -> served.getOrDefault(serialA, new AtomicInteger()).get() >= 20,
                    () -> "no load on certificate A: " + served + ", first failure " + firstFailure.get());

            // Half a swap: the new certificate without its key. The router must keep serving A.
            replace(pki.resolve("b.pem"), certFile);
            awaitTrue(() -> logContains("does not belong to the certificate"),
                    () -> "the router never reported the mismatched pair; its log:\n" + routerLogText());
            int beforeKey = served.getOrDefault(serialA, new AtomicInteger()).get();
            awaitTrue(() -> served.getOrDefault(serialA, new AtomicInteger()).get() >= beforeKey + 20,
                    () -> "load stopped after the half swap: " + served);
            assertThat(served).doesNotContainKey(serialB);

            // The key follows: new connections get B.
            replace(pki.resolve("b.key"), keyFile);
            awaitTrue(() -> served.getOrDefault(serialB, new AtomicInteger()).get() >= 20,
                    () -> "certificate B never served: " + served + "; router log:\n" + routerLogText());
            int okAfterSwap = ok.get();
            awaitTrue(() -> ok.get() >= okAfterSwap + 20, () -> "load stalled after the swap");
        } finally {
            running.set(false);
            for (Thread thread : load) {
                thread.join(20_000);
            }
            // Put A back for the other tests' sake (they do not care which certificate, but keep the state simple).
            replace(pki.resolve("a.key"), keyFile);
            replace(pki.resolve("a.pem"), certFile);
        }
        assertThat(failed.get()).as("failed requests (first: %s)", firstFailure.get()).isZero();
        assertThat(logContains("TLS certificate reloaded")).isTrue();
    }

    @Test
    void theAccessLogHasOneParsableCombinedLinePerRequestAndNoSecrets() throws Exception {
        putWeights(Track.FULL, 0);
        HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> a = h2c.send(get("http://" + router.listen() + "/logged?q=1")
                .header("Referer", "http://example.test/from")
                .header("User-Agent", "probe \"agent\"")
                .header("Authorization", "Bearer SECRET-TOKEN-123")
                .header("Cookie", "sid=SECRET-COOKIE-456").build(), HttpResponse.BodyHandlers.ofString());
        HttpClient tls = HttpClient.newBuilder().sslContext(trustingTestCa).version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpResponse<String> b = tls.send(get("https://" + tlsAddress + "/logged-tls")
                .header("User-Agent", "tls-probe").build(), HttpResponse.BodyHandlers.ofString());

        awaitTrue(() -> logLines().stream().anyMatch(l -> l.contains("/logged-tls ")),
                () -> "no access log line for /logged-tls; log:\n" + String.join("\n", logLines()));
        List<String> lines = logLines();
        for (String line : lines) {
            assertThat(LOG_LINE.matcher(line).matches()).as("parsable: %s", line).isTrue();
        }
        Matcher h2Line = only(lines, "/logged?q=1 ");
        assertThat(h2Line.group(1)).isEqualTo("127.0.0.1");
        assertThat(h2Line.group(3)).isEqualTo("GET");
        assertThat(h2Line.group(4)).isEqualTo("/logged?q=1");
        assertThat(h2Line.group(5)).isEqualTo("HTTP/2.0");
        assertThat(h2Line.group(6)).isEqualTo("200");
        assertThat(Long.parseLong(h2Line.group(7))).isEqualTo(a.body().getBytes(StandardCharsets.UTF_8).length);
        assertThat(h2Line.group(8)).isEqualTo("http://example.test/from");
        assertThat(h2Line.group(9)).isEqualTo("probe \\x22agent\\x22");
        assertThat(h2Line.group(10)).isEqualTo("stable");
        assertThat(Double.parseDouble(h2Line.group(11))).isGreaterThan(0.0).isLessThan(15_000.0);

        Matcher tlsLine = only(lines, "/logged-tls ");
        assertThat(tlsLine.group(5)).isEqualTo("HTTP/1.1");
        assertThat(tlsLine.group(8)).isEqualTo("-");
        assertThat(tlsLine.group(9)).isEqualTo("tls-probe");
        assertThat(Long.parseLong(tlsLine.group(7))).isEqualTo(b.body().getBytes(StandardCharsets.UTF_8).length);

        String whole = Files.readString(accessLog);
        assertThat(whole).doesNotContain("SECRET-TOKEN-123").doesNotContain("SECRET-COOKIE-456");
    }

    /**
     * The one-app router exited 2 on such files; the host router refuses the app (400) with the same reason, and
     * serves what it served.
     */
    @Test
    void anAppGivenAKeyOfAnotherCertificateOrAPkcs1KeyIsRefusedAndSaysWhatToDo() throws Exception {
        Path pki = dir.resolve("pki");
        openssl(pki, "pkey", "-in", "b.key", "-traditional", "-out", "b-sec1.key");
        String plain = "127.0.0.1:" + Ports.freeLoopbackPort();
        String secure = "127.0.0.1:" + Ports.freeLoopbackPort();

        assertThatThrownBy(() -> router.host().putApp("h2bad", AppListener.of(plain, secure, pki.resolve("a.pem"),
                pki.resolve("b.key"), null)))
                .isInstanceOfSatisfying(RouterRejectedException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("the key " + pki.resolve("b.key") + " does not belong to the certificate "
                        + pki.resolve("a.pem"));
        assertThatThrownBy(() -> router.host().putApp("h2bad", AppListener.of(plain, secure, pki.resolve("b.pem"),
                pki.resolve("b-sec1.key"), null)))
                .isInstanceOfSatisfying(RouterRejectedException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("holds no PEM PKCS#8 key")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThat(router.host().hostHealth().apps()).containsExactly("h2app");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /** A backend answering with its name, the request, its body length, the protocol the router saw and leaks. */
    private static HttpServer backend(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            long body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.transferTo(OutputStream.nullOutputStream());
            }
            long http2Headers = exchange.getRequestHeaders().keySet().stream()
                    .filter(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("x-http2")).count();
            byte[] answer = (name + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                    + " body=" + body + " proto=" + exchange.getRequestHeaders().getFirst("X-Forwarded-Proto")
                    + " http2headers=" + http2Headers).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    private static Thread started(Runnable task) {
        Thread thread = new Thread(task, "tls-load");
        thread.start();
        return thread;
    }

    private static String address(HttpServer server) {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private static long putWeights(int stableWeight, int canaryWeight) {
        long next = generation.incrementAndGet();
        synchronized (RouterHttp2TlsIT.class) {
            admin.putRoutes(new RouteTable("h2app", next, List.of(
                    new Track("stable", 1, stableWeight, List.of(address(v1))),
                    new Track("canary", 2, canaryWeight, List.of(address(v2))))));
        }
        return next;
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(WAIT);
    }

    /** One HTTP/1.1 request on a new TLS connection; returns the serial of the certificate the router presented. */
    private static BigInteger freshTlsRequest() throws IOException {
        int port = Integer.parseInt(tlsAddress.substring(tlsAddress.lastIndexOf(':') + 1));
        try (SSLSocket socket = (SSLSocket) trustingTestCa.getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            socket.getOutputStream().write(("GET /fresh HTTP/1.1\r\nHost: " + tlsAddress
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(answer);
            String text = answer.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 200 ")
                    || !text.endsWith("v1 GET /fresh body=0 proto=https http2headers=0")) {
                throw new AssertionError("unexpected answer: " + text);
            }
            return leaf.getSerialNumber();
        }
    }

    /** Replaces {@code target} at once, as certbot and cert-manager do: write beside it, then rename over it. */
    private static void replace(Path source, Path target) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + ".new");
        Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean logContains(String text) {
        return routerLogText().contains(text);
    }

    private static String routerLogText() {
        try {
            return Files.readString(routerLog);
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> logLines() {
        try {
            return Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Matcher only(List<String> lines, String needle) {
        List<String> found = lines.stream().filter(l -> l.contains(needle)).toList();
        assertThat(found).as("lines with %s", needle).hasSize(1);
        Matcher m = LOG_LINE.matcher(found.get(0));
        assertThat(m.matches()).isTrue();
        return m;
    }

    private static void leaf(Path pki, String name, int serial) throws Exception {
        openssl(pki, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj", "/CN=router-" + name);
        openssl(pki, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                Integer.toString(serial), "-days", "2", "-extfile", "san.cnf", "-out", name + ".pem");
    }

    private static void openssl(Path pki, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", command, out).isZero();
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
        return out;
    }

    private static SSLContext sslContextTrusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static RouterMetrics awaitMetrics(Predicate<RouterMetrics> condition) throws InterruptedException {
        RouterMetrics[] last = new RouterMetrics[1];
        awaitTrue(() -> condition.test(last[0] = admin.metrics()), () -> "metrics never matched; last: " + last[0]);
        return last[0];
    }

    private static void awaitTrue(BooleanSupplier condition, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(20);
        }
    }

}
