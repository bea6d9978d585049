package dev.deployguard.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real Prometheus (Debian's {@code prometheus} package) on 127.0.0.1 with its own config, scraping an exporter in the
 * test every second. The exporter serves one exposition text at a time and switches to the next one only right after
 * a scrape has been served, recording when that scrape arrived; Prometheus stamps a scrape before sending it and
 * scrapes again one interval later, so the latest sample at or before that arrival instant is the text served before
 * the switch. Tests use those arrival instants as window edges.
 */
final class LocalPrometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(25);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One scrape the exporter served: when it arrived, what it served, and whether it switched texts after. */
    record Scrape(Instant arrival, String body, boolean switched) {
    }

    private final Object lock = new Object();
    private final BlockingQueue<Scrape> scrapes = new LinkedBlockingQueue<>();
    private final HttpServer exporter;
    private final Path log;
    private String current;
    private String pending;
    private Process prometheus;
    private URI url;

    private LocalPrometheus(String firstBody, Path log) throws IOException {
        this.current = firstBody;
        this.log = log;
        exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        exporter.createContext("/metrics", ex -> {
            synchronized (lock) {
                Instant arrival = Instant.now();
                String served = current;
                byte[] body = served.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
                boolean switched = pending != null;
                if (switched) {
                    current = pending;
                    pending = null;
                }
                scrapes.add(new Scrape(arrival, served, switched));
            }
        });
    }

    /**
     * Starts the exporter serving {@code firstBody} and Prometheus scraping it every second, with its config, data and
     * log under {@code dir}. Fails (never skips) when the binary is missing. Returns once Prometheus answers queries;
     * wait for the samples you need with {@link #awaitTrue}.
     */
    static LocalPrometheus start(Path dir, String firstBody) throws IOException, InterruptedException {
        String binary = findOnPath("prometheus");
        if (binary == null) {
            throw new AssertionError("The 'prometheus' binary is not on PATH. Install Debian's prometheus package "
                    + "(apt-get install -y prometheus); CI installs it. This test does not skip.");
        }
        LocalPrometheus p = new LocalPrometheus(firstBody, dir.resolve("prometheus.log"));
        p.exporter.start();
        int port = freePort();
        p.url = URI.create("http://127.0.0.1:" + port);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: exporter
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(p.exporter.getAddress().getPort()));
        p.prometheus = new ProcessBuilder(List.of(binary, "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true).redirectOutput(p.log.toFile()).start();
        try {
            p.awaitTrue("Prometheus ready", () -> p.count("vector(1)", null) == 1);
        } catch (AssertionError | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    URI url() {
        return url;
    }

    /**
     * Serves {@code body} from the scrape after the next one on: the next scrape still gets the current text and is
     * reported by {@link #nextScrape(boolean) nextScrape(true)}. Scrapes recorded before this call are forgotten.
     */
    void switchAfterNextScrape(String body) {
        synchronized (lock) {
            scrapes.clear();
            pending = body;
        }
    }

    /** The first scrape that arrives after this call (it switches texts only if a switch was pending). */
    Scrape nextScrapeFromNow() throws InterruptedException {
        synchronized (lock) {
            scrapes.clear();
        }
        Scrape s = scrapes.poll(DEADLINE.toNanos(), TimeUnit.NANOSECONDS);
        if (s == null) {
            throw new AssertionError("exporter was not scraped in time; Prometheus log:\n" + logTail());
        }
        return s;
    }

    /** The next recorded scrape that did ({@code true}) or did not switch texts after it was served. */
    Scrape nextScrape(boolean switched) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            Scrape s = scrapes.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (s != null && s.switched() == switched) {
                return s;
            }
        }
        throw new AssertionError("exporter was not scraped in time; Prometheus log:\n" + logTail());
    }

    /**
     * The sum of the values of {@code promql}'s result evaluated at {@code at} (now when null), rounded to a whole
     * number; -1 while Prometheus cannot answer or the result is empty.
     */
    long count(String promql, Instant at) {
        double v = value(promql, at);
        return Double.isNaN(v) ? -1 : Math.round(v);
    }

    /** The sum of the values of {@code promql}'s result at {@code at} (now when null); NaN when there is none. */
    double value(String promql, Instant at) {
        try {
            String uri = url + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                    + (at == null ? "" : "&time=" + Templates.epochSeconds(at));
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode data = JSON.readTree(r.body()).path("data");
            JsonNode result = data.path("result");
            if ("scalar".equals(data.path("resultType").asText())) {
                return Double.parseDouble(result.get(1).asText());
            }
            if (result.isEmpty()) {
                return Double.NaN;
            }
            double sum = 0;
            for (JsonNode series : result) {
                sum += Double.parseDouble(series.path("value").get(1).asText());
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Polls {@code condition} until it holds; fails with Prometheus' log after 25 s or when Prometheus exits. */
    void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || !prometheus.isAlive()) {
                throw new AssertionError("timed out waiting for " + what + "; Prometheus log:\n" + logTail());
            }
            Thread.sleep(100); // poll interval, bounded by the deadline
        }
    }

    /** Stops Prometheus (the exporter keeps serving); fails when it does not stop within 15 s. */
    void stopPrometheus() throws InterruptedException {
        prometheus.destroy();
        if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
            throw new AssertionError("Prometheus did not stop within 15 s");
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops Prometheus (forcibly after 10 s) and the exporter. */
    @Override
    public void close() {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            prometheus.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            exporter.stop(0);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String findOnPath(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path + File.pathSeparator + "/usr/bin")
                .split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.isFile() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}
