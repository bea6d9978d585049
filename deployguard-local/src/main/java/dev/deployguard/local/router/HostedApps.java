package dev.deployguard.local.router;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The apps a host router serves, and their files in its state directory: {@code APP.listener.json} (where the app
 * is served) and {@code APP.routes.json} (its table). Both are written
 * atomically and forced to disk before the change is answered, so a router restarted after a crash serves every
 * app it served, with its table. One app's unreadable file is set aside and touches no other app.
 */
final class HostedApps {
    static final String LISTENER_SUFFIX = ".listener.json";
    static final String ROUTES_SUFFIX = ".routes.json";
    /** App names become file names: no separators, no leading dot. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private final Path dir;
    private final EventLoopGroup loops;
    private final Transport transport;
    private final RouterLimits limits;
    private final RetryPolicy policy;
    private final Clock clock;
    private final Map<String, HostedApp> apps = new ConcurrentHashMap<>();

    HostedApps(Path dir, EventLoopGroup loops, Transport transport, RouterLimits limits, RetryPolicy policy,
               Clock clock) {
        this.dir = dir.toAbsolutePath();
        this.loops = loops;
        this.transport = transport;
        this.limits = limits;
        this.policy = policy;
        this.clock = clock;
    }

    /** {@code app} when it is a valid app name. */
    static String checkName(String app) {
        if (app == null || !NAME.matcher(app).matches()) {
            throw new IllegalArgumentException("not an app name: '" + app + "' (letters, digits, '.', '_', '-';"
                    + " at most 100 characters)");
        }
        return app;
    }

    Optional<HostedApp> get(String app) {
        return Optional.ofNullable(apps.get(app));
    }

    List<String> names() {
        return List.copyOf(new TreeMap<>(apps).keySet());
    }

    /** Every app with the listener it is served on (ports as bound). */
    Map<String, AppListener> listeners() {
        Map<String, AppListener> out = new TreeMap<>();
        apps.forEach((name, app) -> out.put(name, app.bound()));
        return out;
    }

    /**
     * Serves {@code app} on {@code want}: adds it, or (when it is served otherwise) closes its old listeners and
     * opens the new ones; the same listener again changes nothing. Saved before it answers.
     *
     * @return the listener in force, ports as bound
     * @throws HostedApp.AppException when a file is unusable or an address is taken; a new app is then not added,
     *                                and an app that was served keeps its old listener when that can be reopened
     */
    synchronized AppListener put(String app, AppListener want, PrintStream log) throws IOException {
        HostedApp old = apps.get(app);
        if (old != null && old.asked().equals(want)) {
            return old.bound();
        }
        if (old != null) {
            // The new listener may reuse an old address: the old one must let go of it first.
            old.close(HostedApp.STOP_GRACE_MS);
            apps.remove(app);
        }
        HostedApp opened;
        try {
            opened = HostedApp.open(app, want, routesFile(app), loops, transport, limits, policy, clock);
        } catch (HostedApp.AppException e) {
            if (old != null) {
                try {
                    apps.put(app, HostedApp.open(app, old.asked(), routesFile(app), loops, transport, limits,
                            policy, clock));
                } catch (HostedApp.AppException again) {
                    log.println("router: app " + app + " could not get its old listener back: " + again.getMessage());
                }
            }
            throw e;
        }
        try {
            RouteStateFile.writeAtomically(listenerFile(app),
                    RouterCodec.pretty(want));
        } catch (IOException e) {
            opened.close(0);
            throw new IOException("cannot save the listener of app " + app + ": " + e.getMessage(), e);
        }
        apps.put(app, opened);
        note(opened, log);
        log.println("router: serving app " + app + " on " + opened.listen()
                + (want.tlsListen() == null ? "" : ", HTTPS on " + opened.bound().tlsListen())
                + " (generation " + opened.routes().snapshot().table().generation() + ")");
        log.flush();
        return opened.bound();
    }

    /**
     * Stops serving {@code app}: no new connections, requests in flight finish (up to the stop grace), then its
     * files are removed, so an app added again later starts from the control plane's table.
     *
     * @return false when it was not served
     */
    synchronized boolean remove(String app, PrintStream log) throws IOException {
        HostedApp gone = apps.remove(app);
        Files.deleteIfExists(listenerFile(app));
        Files.deleteIfExists(routesFile(app));
        if (gone == null) {
            return false;
        }
        gone.close(HostedApp.STOP_GRACE_MS);
        log.println("router: stopped serving app " + app);
        log.flush();
        return true;
    }

    /**
     * At start: serves every app that has a listener file. An unreadable listener file is set aside and its app
     * left to the control plane (which adds it again); an app that cannot be opened is logged and skipped. Neither
     * stops the others.
     */
    synchronized void restoreAll(PrintStream log) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "*" + LISTENER_SUFFIX)) {
            found.forEach(files::add);
        }
        files.sort(null);
        for (Path file : files) {
            String name = file.getFileName().toString();
            String app = name.substring(0, name.length() - LISTENER_SUFFIX.length());
            AppListener listener;
            try {
                checkName(app);
                listener = RouterCodec.listener(Files.readAllBytes(file));
                if (listener == null) {
                    throw new IllegalArgumentException("the file is empty");
                }
            } catch (IOException | IllegalArgumentException e) {
                log.println("router: cannot read the listener of app " + app + " (" + RouteTables.describe(e)
                        + "); " + RouteStateFile.setAside(file) + "; the control plane adds the app again");
                continue;
            }
            try {
                HostedApp opened = HostedApp.open(app, listener, routesFile(app), loops, transport, limits, policy,
                        clock);
                apps.put(app, opened);
                note(opened, log);
                log.println("router: serving app " + app + " on " + opened.listen() + " (generation "
                        + opened.routes().snapshot().table().generation() + ")");
            } catch (HostedApp.AppException e) {
                log.println("router: cannot serve app " + app + ": " + e.getMessage()
                        + "; the other apps are served");
            }
        }
        log.flush();
    }

    private static void note(HostedApp app, PrintStream log) {
        if (!app.restoreNote().isEmpty()) {
            log.println("router: " + app.restoreNote());
        }
    }

    /** Rolls every app's stats window at the second boundary. */
    void roll(long boundary) {
        apps.values().forEach(app -> app.roll(boundary));
    }

    /** Stops every app (a stopping router), letting requests in flight finish for up to {@code graceMs}. */
    void closeAll(long graceMs) {
        List<Thread> stopping = new ArrayList<>();
        for (HostedApp app : apps.values()) {
            Thread t = new Thread(() -> app.close(graceMs), "router-stop-" + app.app());
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join(graceMs + 3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Path listenerFile(String app) {
        return dir.resolve(checkName(app) + LISTENER_SUFFIX);
    }

    private Path routesFile(String app) {
        return dir.resolve(checkName(app) + ROUTES_SUFFIX);
    }
}
