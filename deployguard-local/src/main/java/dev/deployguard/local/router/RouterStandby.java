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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The warm standby of a host router: a second router JVM its supervisor keeps started, so that a router that dies
 * costs no JVM start. Which of the two serves is decided by an exclusive lock on {@code router.active} in the state
 * directory, not by the supervisor: the process that holds it serves, the other has loaded its classes (a real
 * request through two throw-away apps on 127.0.0.1 port 0, their admin API and their restore from files, in a temp
 * directory) and then blocks in the lock. The kernel releases the lock the instant its holder dies, {@code kill -9}
 * included, which wakes the standby as an event (no polling); only then does it read the apps' listener and route
 * files, so two processes never serve with different tables. It holds no per-app state while it waits.
 */
final class RouterStandby {
    /** The lock file in the state directory; it holds "PID START-MILLIS" of the router that serves. */
    static final String ACTIVE_FILE = "router.active";
    private static final long PREVIOUS_EXIT_WAIT_MS = 2_000;
    private static final int WARM_UP_REQUESTS = 40;
    private static final int WARM_UP_TLS_REQUESTS = 3;

    /** Held in a static field: a channel nobody references could be closed by the GC, and its lock released. */
    private static volatile RouterStandby held;

    /** When this process, a standby, got the lock (0: it never waited); for the log line once it serves. */
    private static volatile long lockedNanos;

    private final FileChannel channel;
    private final FileLock lock;

    private RouterStandby(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Returns once this process may serve: at once when no router holds the state directory, else after warming
     * up and waiting for the one that serves to die. Empty when it must not serve after all (its supervisor is gone).
     * The lock is kept for the life of the process.
     */
    static Optional<RouterStandby> awaitTurn(Path stateDir, RouterLimits limits, PrintStream out)
            throws IOException {
        Files.createDirectories(stateDir);
        FileChannel channel = FileChannel.open(stateDir.resolve(ACTIVE_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            long started = System.nanoTime();
            warmUp(limits, out);
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): warmed up in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms; waiting to take over");
            out.flush();
            lock = channel.lock();
            lockedNanos = System.nanoTime();
            if (!RouterLauncher.supervisor().map(ProcessHandle::isAlive).orElse(false)) {
                // The router it stood by for exited because their supervisor died: nobody wants this one to serve.
                channel.close();
                return Optional.empty();
            }
            awaitExit(previousHolder(channel));
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): the router that served is gone"
                    + " (reaped " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedNanos) + " ms after its"
                    + " lock was released); taking over");
            out.flush();
        }
        RouterStandby standby = new RouterStandby(channel, lock);
        standby.record();
        held = standby;
        return Optional.of(standby);
    }

    /**
     * The admin token this process serves with: the one read at its start, unless it is a standby that took over,
     * which reads the token file again ({@link #reread}), since a control plane may have rotated it meanwhile.
     */
    static String tokenToServe(Path tokenFile, String atStart, PrintStream out) {
        return lockedNanos == 0 ? atStart : reread(tokenFile, atStart, out);
    }

    /**
     * The token the file holds now; the one read at start if the file is unreadable or empty now (a file being
     * replaced), which the log says: the admin API then keeps the token it was started with.
     */
    static String reread(Path tokenFile, String atStart, PrintStream out) {
        String now;
        try {
            now = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            now = "";
        }
        if (now.isEmpty()) {
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): the token file " + tokenFile
                    + " is unreadable or empty at the takeover; keeping the token it held when this router started");
            return atStart;
        }
        if (!now.equals(atStart)) {
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): the token file " + tokenFile
                    + " changed while it waited; serving with the token it holds now");
        }
        return now;
    }

    /** Logs how long a takeover took from the lock to serving every app; nothing when this process never waited. */
    static void noteServing(PrintStream out, int apps) {
        if (lockedNanos != 0) {
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): serving " + apps + " apps "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedNanos) + " ms after the lock");
        }
    }

    /** The JVM that serves the host router of {@code stateDir}, as its lock file names it, if it runs. */
    static Optional<ProcessHandle> active(Path stateDir) {
        try {
            return parse(Files.readString(stateDir.resolve(ACTIVE_FILE), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void record() throws IOException {
        ProcessHandle self = ProcessHandle.current();
        byte[] bytes = (self.pid() + " " + self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(bytes), 0);
        channel.force(false);
    }

    private static Optional<ProcessHandle> previousHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        return parse(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
    }

    /** The live process "PID START-MILLIS" names; a pid reused by another process (other start) is not it. */
    private static Optional<ProcessHandle> parse(String text) {
        String[] fields = text.strip().split(" ");
        if (fields.length != 2) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(fields[0]);
            long start = Long.parseLong(fields[1]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().startInstant().map(i -> i.toEpochMilli() == start).orElse(false));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The kernel lets go of a dead process's lock while it closes its files, possibly before its listening sockets:
     * wait (a few milliseconds at most; bounded) until it is reaped, so its addresses are free to bind.
     */
    private static void awaitExit(Optional<ProcessHandle> previous) {
        if (previous.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PREVIOUS_EXIT_WAIT_MS);
        while (previous.get().isAlive() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Loads and runs every class a takeover needs, on throw-away apps in a temp directory: two apps on 127.0.0.1
     * port 0 added over the admin API, one routed to the other, requests through both, stats, a removal, and a
     * restore of the apps from their files. Everything is closed and deleted afterwards.
     */
    private static void warmUp(RouterLimits limits, PrintStream out) throws IOException {
        Path dir = Files.createTempDirectory("deployguard-router-standby");
        String token = UUID.randomUUID().toString();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.newGroup(1, "router-standby-io");
        Clock clock = Clock.systemUTC();
        try {
            HostedApps apps = new HostedApps(dir, loops, transport, limits, RetryPolicy.fromSystemProperties(),
                    clock, token);
            NettyAdminServer admin = null;
            try {
                admin = HostRouterMain.adminServer(loops, transport, 0, token, apps, quiet);
                int adminPort = admin.port();
                byte[] plain = RouterJson.STRICT.writeValueAsBytes(AppListener.plain("127.0.0.1:0"));
                exchange(adminPort, "PUT", "/admin/apps/backend", token, plain);
                // The front app serves HTTPS too, with a throw-away certificate: a TLS app's first handshake after a
                // takeover then finds the JDK's TLS classes loaded and run.
                ThrowAwayCertificate certificate = ThrowAwayCertificate.generate(clock.instant());
                Path cert = Files.writeString(dir.resolve("warm-up.crt"), certificate.certificatePem());
                Path key = Files.writeString(dir.resolve("warm-up.key"), certificate.keyPem());
                exchange(adminPort, "PUT", "/admin/apps/front", token, RouterJson.STRICT.writeValueAsBytes(
                        AppListener.of("127.0.0.1:0", "127.0.0.1:" + Ports.freeLoopbackPort(), cert, key, null)));
                String backend = apps.get("backend").orElseThrow().bound().listen();
                AppListener frontBound = apps.get("front").orElseThrow().bound();
                int front = HostPort.parse(frontBound.listen()).port();
                exchange(adminPort, "PUT", "/admin/apps/front/routes", token, RouterJson.STRICT.writeValueAsBytes(
                        RouteTable.single("front", 1, 1, List.of(backend))));
                for (int i = 0; i < WARM_UP_REQUESTS; i++) {
                    exchange(front, "GET", "/warm-up", null, new byte[0]);
                }
                SSLSocketFactory tls = trusting(certificate).getSocketFactory();
                int secure = HostPort.parse(frontBound.tlsListen()).port();
                for (int i = 0; i < WARM_UP_TLS_REQUESTS; i++) {
                    exchange(socket -> tls.createSocket(socket, "127.0.0.1", secure, true), secure, "GET",
                            "/warm-up", null, new byte[0]);
                }
                apps.roll(clock.millis());
                exchange(adminPort, "GET", "/admin/health", token, new byte[0]);
                exchange(adminPort, "GET", "/admin/apps/front/metrics", token, new byte[0]);
                exchange(adminPort, "GET", "/admin/apps/front/routes", token, new byte[0]);
                exchange(adminPort, "DELETE", "/admin/apps/backend", token, new byte[0]);
            } catch (Exception e) {
                // A warm-up that fails costs only speed: the takeover loads what it needs itself.
                out.println("router standby: warm-up incomplete (" + e + "); a takeover loads the rest itself");
            } finally {
                apps.closeAll(0);
                if (admin != null) {
                    admin.close();
                }
            }
            HostedApps restored = new HostedApps(dir, loops, transport, limits, RetryPolicy.fromSystemProperties(),
                    clock, token);
            restored.restoreAll(quiet);
            restored.closeAll(0);
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(2_000);
            deleteTree(dir);
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
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
        plain.setSoTimeout(5_000);
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
