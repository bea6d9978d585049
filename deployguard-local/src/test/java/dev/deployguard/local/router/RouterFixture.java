package dev.deployguard.local.router;

import dev.deployguard.local.process.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real host router process serving one app, for the router's ITs: {@link HostRouterMain} started by
 * {@link RouterLauncher#startHost} (the launch the control plane uses), then the app added over the admin API
 * ({@code PUT /admin/apps/APP}) as the control plane adds it. Unsupervised by default (one JVM; the supervisor and
 * its warm standby are {@code RouterSupervisorIT}'s subject), in a state directory of its own under the test's
 * temporary directory, on a free admin port.
 */
public final class RouterFixture implements AutoCloseable {
    /** The token every fixture's router reads from its token file. */
    public static final String TOKEN = "router-it-token";
    /** A hang guard only: the launcher returns as soon as the router answers or exits. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String app;
    private final Path dir;
    private final Path tokenFile;
    private final RouterLauncher launcher;
    private final int adminPort;
    private RouterHandle handle;
    private AppListener bound;

    private RouterFixture(String app, Path dir, Path tokenFile, RouterLauncher launcher, int adminPort) {
        this.app = app;
        this.dir = dir;
        this.tokenFile = tokenFile;
        this.launcher = launcher;
        this.adminPort = adminPort;
    }

    /** A router serving {@code app} on plain HTTP at a free loopback port, files under {@code dir}. */
    public static RouterFixture start(Path dir, String app) {
        return start(dir, app, AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()), List.of());
    }

    /**
     * A router serving {@code app} on {@code listener}, its JVM started with the default options and then
     * {@code extraJvmOptions} (e.g. {@code -Ddeployguard.router.maxBodyBytes=1000}, as a user sets them).
     */
    public static RouterFixture start(Path dir, String app, AppListener listener, List<String> extraJvmOptions) {
        RouterFixture router = launch(dir, app, extraJvmOptions);
        router.bound = router.host().putApp(app, listener);
        return router;
    }

    /** A started router that serves no app yet ({@link #host()} adds it), e.g. to see an app refused. */
    public static RouterFixture launch(Path dir, String app, List<String> extraJvmOptions) {
        try {
            Path home = Files.createDirectories(dir.resolve("router-" + app));
            Path tokenFile = Files.writeString(home.resolve("router.token"), TOKEN + "\n");
            List<String> options = new ArrayList<>(RouterLauncher.DEFAULT_JVM_OPTIONS);
            options.addAll(extraJvmOptions);
            RouterLauncher launcher = new RouterLauncher().withJvmOptions(options).withStartTimeout(START_TIMEOUT);
            RouterFixture router = new RouterFixture(app, home, tokenFile, launcher, Ports.freeLoopbackPort());
            router.handle = launcher.startHost(router.config(), router.logFile());
            return router;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HostRouterConfig config() {
        return new HostRouterConfig(adminPort, stateDir(), tokenFile);
    }

    public String app() {
        return app;
    }

    /** The app's plain address as bound ({@code HOST:PORT}). */
    public String listen() {
        return bound.listen();
    }

    /** The app's HTTPS address as bound, or null without TLS. */
    public String tlsListen() {
        return bound.tlsListen();
    }

    /** {@code http://} and the app's address. */
    public String base() {
        return "http://" + listen();
    }

    /** A client of the app's admin API ({@code /admin/apps/APP/...}). */
    public RouterClient client() {
        return host().forApp(app);
    }

    /** A client of the host router's own admin API. */
    public RouterClient host() {
        return new RouterClient(adminPort, TOKEN);
    }

    public int adminPort() {
        return adminPort;
    }

    /** The router process's pid (the JVM's: no supervisor here). */
    public long pid() {
        return handle.pid();
    }

    public RouterHandle handle() {
        return handle;
    }

    public ProcessHandle process() {
        return ProcessHandle.of(handle.pid()).orElseThrow(() -> new AssertionError("router " + pid() + " is gone"));
    }

    /** The router's state directory: {@code APP.listener.json} and {@code APP.routes.json}. */
    public Path stateDir() {
        return dir.resolve("state");
    }

    /** The app's route table file in the state directory. */
    public Path routesFile() {
        return stateDir().resolve(app + HostedApps.ROUTES_SUFFIX);
    }

    /** The router's stdout and stderr, appended over restarts. */
    public Path logFile() {
        return dir.resolve("router.log");
    }

    public String log() {
        try {
            return Files.readString(logFile());
        } catch (IOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    /** SIGKILL of the router (nothing runs its shutdown hook), waited for. */
    public void kill() {
        ProcessHandle.of(handle.pid()).ifPresent(process -> {
            process.destroyForcibly();
            process.onExit().orTimeout(20, TimeUnit.SECONDS).join();
        });
    }

    /**
     * Starts the router again on the same state directory, token and admin port (the previous process must be
     * gone): it serves the app from its files, as a router restarted by its supervisor does.
     */
    public void restart() {
        handle = launcher.startHost(config(), logFile());
        bound = host().app(app).orElseThrow(() -> new AssertionError("the restarted router does not serve " + app
                + "; its log:\n" + log()));
    }

    @Override
    public void close() {
        kill();
    }
}
