package dev.deployguard.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The example app DeployGuard deploys in demos and tests: a tiny HTTP server on 127.0.0.1 whose version can be told
 * to fail, be slow or never become ready through {@code DEMO_BEHAVIOUR}.
 */
public final class DemoApp implements AutoCloseable {
    /** Seconds {@link #close()} lets in-flight requests finish. */
    public static final int STOP_GRACE_SECONDS = 2;

    private static final int THREADS = 16;

    private final HttpServer server;
    private final ExecutorService executor;
    private final String version;
    private final Behaviour behaviour;
    private final long readyAtNanos;
    /** When set (env {@code DEMO_ERRORS_WHEN}), the version's errors happen only while this file exists. */
    private volatile java.nio.file.Path errorsWhen;
    /** The database this version reads, when given one (env {@code DEMO_DB_URL}). */
    private volatile DemoDatabase database;

    private DemoApp(HttpServer server, ExecutorService executor, String version, Behaviour behaviour) {
        this.server = server;
        this.executor = executor;
        this.version = version;
        this.behaviour = behaviour;
        this.readyAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(behaviour.startDelayMs());
    }

    public static void main(String[] args) {
        // Without it the JDK server delays keep-alive responses by Nagle's algorithm; read once, so set it first.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        Options options;
        Behaviour behaviour;
        DemoDatabase database;
        try {
            options = Options.parse(args, System.getenv("PORT"));
            behaviour = Behaviour.forVersion(Behaviour.parse(System.getenv("DEMO_BEHAVIOUR")), options.version());
            database = DemoDatabase.fromEnv(options.version(), System.getenv()).orElse(null);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.err.println("usage: DemoApp --port PORT --version VERSION   (PORT may also come from env PORT;"
                    + " DEMO_BEHAVIOUR='v2:errorRate=0.02,latencyMs=100;v3:ready=false;v4:startDelayMs=2000;"
                    + "v5:exitOnTerm=true;v6:cpuMs=8')");
            System.exit(2);
            return;
        }
        DemoApp app;
        try {
            app = start(options.port(), options.version(), behaviour);
            app.database = database;
            String errorsWhen = System.getenv("DEMO_ERRORS_WHEN");
            if (errorsWhen != null && !errorsWhen.isBlank()) {
                app.errorsWhen = java.nio.file.Path.of(errorsWhen);
            }
        } catch (IOException e) {
            System.err.println("demo " + options.version() + " cannot listen on 127.0.0.1:" + options.port() + ": "
                    + e.getMessage());
            System.exit(3);
            return;
        }
        // exitOnTerm: no graceful stop at all; halting skips every other hook, so in-flight requests are cut.
        Runtime.getRuntime().addShutdownHook(behaviour.exitOnTerm()
                ? new Thread(() -> Runtime.getRuntime().halt(143), "demo-exit-at-once")
                : new Thread(app::close, "demo-shutdown"));
        System.out.println("demo " + options.version() + " listening on 127.0.0.1:" + app.port());
        System.out.flush();
    }

    /** Starts a demo server on 127.0.0.1:port (0 picks a free port); for in-process use by tests. */
    public static DemoApp start(int port, String version, Behaviour behaviour) throws IOException {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, new NamedThreads("demo-" + version));
        DemoApp app = new DemoApp(server, executor, version, behaviour);
        server.setExecutor(executor);
        server.createContext("/", app::handle);
        server.start();
        return app;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String version() {
        return version;
    }

    /** Stops accepting, lets in-flight requests finish for up to {@link #STOP_GRACE_SECONDS}, then stops threads. */
    @Override
    public void close() {
        server.stop(STOP_GRACE_SECONDS);
        executor.shutdown();
        try {
            executor.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            body.transferTo(OutputStream.nullOutputStream());
            String path = exchange.getRequestURI().getPath();
            // /orders reads the database only when one is given; without one it is an ordinary path of the app.
            switch (database == null && path.equals("/orders") ? "" : path) {
                case "/ready" -> {
                    boolean ready = behaviour.ready() && System.nanoTime() - readyAtNanos >= 0;
                    var schema = database == null ? java.util.Optional.<String>empty() : database.problem();
                    respond(exchange, ready && schema.isEmpty() ? 200 : 503, !ready ? "not ready\n"
                            : schema.map(p -> p + "\n").orElse("ready\n"));
                }
                case "/orders" -> {
                    try {
                        respond(exchange, 200, database.orders() + "\n");
                    } catch (java.sql.SQLException e) {
                        respond(exchange, 500, "demo " + version + " cannot read its data: " + e.getMessage() + "\n");
                    }
                }
                case "/version" -> respond(exchange, 200, version + "\n");
                default -> {
                    if (behaviour.cpuMs() > 0) {
                        burn(behaviour.cpuMs());
                    }
                    if (behaviour.latencyMs() > 0) {
                        Thread.sleep(behaviour.latencyMs());
                    }
                    if (behaviour.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < behaviour.errorRate()
                            && (errorsWhen == null || java.nio.file.Files.exists(errorsWhen))) {
                        respond(exchange, 500, "error from demo " + version + "\n");
                    } else {
                        respond(exchange, 200, "hello from demo " + version + "\n");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS_CPU =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static volatile long sink;

    /** Busy work until this thread has used {@code cpuMs} of CPU (not wall time: the same cost on a busy machine). */
    static void burn(double cpuMs) {
        boolean measured = THREADS_CPU.isCurrentThreadCpuTimeSupported();
        long start = measured ? THREADS_CPU.getCurrentThreadCpuTime() : System.nanoTime();
        long budget = (long) (cpuMs * 1_000_000);
        long x = sink;
        while ((measured ? THREADS_CPU.getCurrentThreadCpuTime() : System.nanoTime()) - start < budget) {
            for (int i = 0; i < 1_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Command-line options of the demo app. */
    record Options(int port, String version) {
        static Options parse(String[] args, String envPort) {
            String port = envPort;
            String version = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value;
                String name;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                } else {
                    name = arg;
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("missing value after " + arg);
                    }
                    value = args[++i];
                }
                switch (name) {
                    case "--port" -> port = value;
                    case "--version" -> version = value;
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            if (version == null || version.isBlank()) {
                throw new IllegalArgumentException("--version is required");
            }
            if (port == null || port.isBlank()) {
                throw new IllegalArgumentException("--port (or env PORT) is required");
            }
            int number;
            try {
                number = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("port is not a number: '" + port + "'", e);
            }
            if (number < 0 || number > 65_535) {
                throw new IllegalArgumentException("port must be within 0..65535, was " + number);
            }
            return new Options(number, version);
        }
    }

    private static final class NamedThreads implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger next = new AtomicInteger();

        NamedThreads(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, prefix + "-" + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
