package dev.deployguard.local.router;

import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** The warm standby's warm-up ({@link RouterStandby}): every class a takeover needs, loaded and run beforehand. */
final class StandbyWarmUp {
    private static final int WARM_UP_REQUESTS = 40;
    private static final int WARM_UP_TLS_REQUESTS = 3;

    private StandbyWarmUp() {
    }

    /** Thrown between two warm-up steps once the takeover is due; the warm-up's resources are closed on the way. */
    static final class TakeoverDue extends RuntimeException {
        TakeoverDue() {
            super("the takeover is due", null, false, false);
        }
    }

    private record Due(BooleanSupplier takeoverDue) {
        void check() {
            if (takeoverDue.getAsBoolean()) {
                throw new TakeoverDue();
            }
        }
    }

    /**
     * Loads and runs every class a takeover needs, on throw-away apps in a temp directory: two apps on 127.0.0.1
     * port 0 added over the admin API, one routed to the other, requests through both, stats, a removal, and a
     * restore of the apps from their files. Everything is closed and deleted afterwards. It stops between two
     * steps once {@code takeoverDue} (the router it stands by for is gone: serving at once, partly warm, beats
     * finishing the warm-up first), and says so.
     */
    static void run(RouterLimits limits, PrintStream out, BooleanSupplier takeoverDue, boolean tls)
            throws IOException {
        Due due = new Due(takeoverDue);
        Path dir = Files.createTempDirectory("deployguard-router-standby");
        String token = UUID.randomUUID().toString();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.newGroup(1, "router-standby-io");
        Clock clock = Clock.systemUTC();
        try {
            HostedApps apps = new HostedApps(dir, loops, transport, limits, RetryPolicy.fromSystemProperties(),
                    clock);
            NettyAdminServer admin = null;
            try {
                admin = HostRouterMain.adminServer(loops, transport, 0, token, apps, quiet);
                int adminPort = admin.port();
                byte[] plain = RouterCodec.json(AppListener.plain("127.0.0.1:0"));
                due.check();
                exchange(adminPort, "PUT", "/admin/apps/backend", token, plain);
                // With tls the front app serves HTTPS too, with a throw-away certificate: a TLS app's first handshake
                // after a takeover then finds the JDK's TLS classes loaded and run.
                due.check();
                ThrowAwayCertificate certificate = tls ? ThrowAwayCertificate.generate(clock.instant()) : null;
                AppListener frontAsked = AppListener.plain("127.0.0.1:0");
                if (certificate != null) {
                    Path cert = Files.writeString(dir.resolve("warm-up.crt"), certificate.certificatePem());
                    Path key = Files.writeString(dir.resolve("warm-up.key"), certificate.keyPem());
                    frontAsked = AppListener.of("127.0.0.1:0", "127.0.0.1:" + Ports.freeLoopbackPort(), cert, key,
                            null);
                }
                exchange(adminPort, "PUT", "/admin/apps/front", token, RouterCodec.json(frontAsked));
                String backend = apps.get("backend").orElseThrow().bound().listen();
                AppListener frontBound = apps.get("front").orElseThrow().bound();
                int front = HostPort.parse(frontBound.listen()).port();
                exchange(adminPort, "PUT", "/admin/apps/front/routes", token, RouterCodec.json(
                        RouteTable.single("front", 1, 1, List.of(backend))));
                for (int i = 0; i < WARM_UP_REQUESTS; i++) {
                    due.check();
                    exchange(front, "GET", "/warm-up", null, new byte[0]);
                }
                if (certificate != null) {
                    SSLSocketFactory client = trusting(certificate).getSocketFactory();
                    int secure = HostPort.parse(frontBound.tlsListen()).port();
                    for (int i = 0; i < WARM_UP_TLS_REQUESTS; i++) {
                        due.check();
                        exchange(socket -> client.createSocket(socket, "127.0.0.1", secure, true), secure, "GET",
                                "/warm-up", null, new byte[0]);
                    }
                    out.println("router standby: TLS warmed up (" + WARM_UP_TLS_REQUESTS + " requests over HTTPS)");
                }
                due.check();
                apps.roll(clock.millis());
                exchange(adminPort, "GET", "/admin/health", token, new byte[0]);
                exchange(adminPort, "GET", "/admin/apps/front/metrics", token, new byte[0]);
                exchange(adminPort, "GET", "/admin/apps/front/routes", token, new byte[0]);
                exchange(adminPort, "DELETE", "/admin/apps/backend", token, new byte[0]);
            } catch (TakeoverDue e) {
                throw e;
            } catch (Exception e) {
                // A warm-up that fails costs only speed: the takeover loads what it needs itself.
                out.println("router standby: warm-up incomplete (" + e + "); a takeover loads the rest itself");
            } finally {
                apps.closeAll(0);
                if (admin != null) {
                    admin.close();
                }
            }
            due.check();
            HostedApps restored = new HostedApps(dir, loops, transport, limits, RetryPolicy.fromSystemProperties(),
                    clock);
            restored.restoreAll(quiet);
            restored.closeAll(0);
        } finally {
            io.netty.util.concurrent.Future<?> stopped = loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (!takeoverDue.getAsBoolean()) {
                // A takeover does not wait for the warm-up's event loop to end: it ends beside it.
                stopped.awaitUninterruptibly(2_000);
            }
            deleteTree(dir);
        }
    }

    /**
     * Whether an app of {@code stateDir} serves HTTPS (its listener file names a TLS address), when the standby starts.
     * Only then does the warm-up include TLS: it costs the standby the JDK's TLS classes (tens of MB resident,
     * docs/benchmarks.md); an app given TLS later warms them up then ({@link #onceAnAppServesTls}).
     */
    static boolean anyTls(Path stateDir) {
        try (Stream<Path> files = Files.list(stateDir)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(HostedApps.LISTENER_SUFFIX))
                    .map(name -> name.substring(0, name.length() - HostedApps.LISTENER_SUFFIX.length()))
                    .anyMatch(app -> AppListener.readFrom(stateDir, app).map(l -> l.tlsListen() != null)
                            .orElse(false));
        } catch (IOException e) {
            return false;
        }
    }

    /** How long a standby waits for the router that serves to answer before it warms up anyway. */
    static final long SERVES_WAIT_MS = 60_000;

    /**
     * Returns once the router on {@code adminPort} answers a request (any status: its admin API answers only once
     * every app is restored, {@link HostRouterMain}), or once the takeover is due, or after {@link #SERVES_WAIT_MS}.
     * The request waits for the answer itself; only a port not bound yet is tried again (every 100 ms).
     */
    static void afterTheRouterServes(int adminPort, BooleanSupplier takeoverDue) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SERVES_WAIT_MS);
        while (!takeoverDue.getAsBoolean() && System.nanoTime() - deadline < 0) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), adminPort), 1_000);
                socket.setSoTimeout((int) SERVES_WAIT_MS);
                OutputStream output = socket.getOutputStream();
                output.write(("GET /admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                output.flush();
                if (socket.getInputStream().read() != -1) {
                    return;
                }
            } catch (IOException e) {
                // Not bound yet (the router that took over is still starting), or it went away: try again.
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A warm-up step that may fail with an I/O error. */
    interface Step {
        void run() throws IOException;
    }

    /**
     * Waits, for as long as no takeover is due, until an app of {@code stateDir} serves HTTPS (its listener file, read
     * again on every change of the directory), then runs {@code warmUp} once: a standby that started before any app
     * had TLS would otherwise load the JDK's TLS classes only at the takeover, during the first handshakes.
     *
     * @return whether it warmed up (false: the takeover came first, or the directory cannot be watched)
     */
    static boolean onceAnAppServesTls(Path stateDir, BooleanSupplier takeoverDue, Step warmUp) throws IOException {
        try (WatchService watch = stateDir.getFileSystem().newWatchService()) {
            stateDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            // Looked at after registering: a file written before it is seen here, one written after wakes the poll.
            while (!takeoverDue.getAsBoolean()) {
                if (anyTls(stateDir)) {
                    warmUp.run();
                    return true;
                }
                // The bound only lets a due takeover end the wait: the lock's waiter cannot wake this thread.
                WatchKey key = watch.poll(1, TimeUnit.SECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A client context that trusts the throw-away certificate and nothing else. */
    private static SSLContext trusting(ThrowAwayCertificate certificate) throws GeneralSecurityException,
            IOException {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("warm-up", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(certificate.certificatePem().getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** Wraps a connected socket (in TLS, or not at all). */
    private interface Layer {
        Socket over(Socket connected) throws IOException;
    }

    /** One HTTP/1.1 request on its own connection; the answer is read to its end and dropped. */
    private static void exchange(int port, String method, String path, String token, byte[] body)
            throws IOException {
        exchange(connected -> connected, port, method, path, token, body);
    }

    private static void exchange(Layer layer, int port, String method, String path, String token, byte[] body)
            throws IOException {
        try (Socket plain = new Socket(); Socket socket = connect(layer, plain, port)) {
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + (body.length == 0 ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n") + "\r\n";
            OutputStream output = socket.getOutputStream();
            output.write(head.getBytes(StandardCharsets.US_ASCII));
            output.write(body);
            output.flush();
            socket.getInputStream().readAllBytes();
        }
    }

    private static Socket connect(Layer layer, Socket plain, int port) throws IOException {
        // Generous: a warm-up is not in a hurry (a takeover does not wait for it), and on a starved machine a cold
        // step takes seconds; a step that timed out would leave the rest of the warm-up undone.
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 30_000);
        plain.setSoTimeout(30_000);
        return layer.over(plain);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            // A temp directory left behind is harmless.
        }
    }
}
