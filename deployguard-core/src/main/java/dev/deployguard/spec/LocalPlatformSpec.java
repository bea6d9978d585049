package dev.deployguard.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a release runs on this host: an argument list (never passed to a shell) with {@code ${version}} and
 * {@code ${port}} placeholders, its environment, how many instances, how readiness is judged, how it is stopped,
 * and the address where the router takes the app's user traffic; optionally where the router also serves HTTPS (from
 * PEM files) and the file it appends its access log to.
 *
 * @param tls       HTTPS at the router, or null for plain HTTP only
 * @param accessLog the router's access log file, or null for none
 */
public record LocalPlatformSpec(
        List<String> command,
        Map<String, String> env,
        int instances,
        Path workingDir,
        ListenAddress listen,
        Readiness readiness,
        Stop stop,
        boolean keepPreviousWarm,
        Tls tls,
        Path accessLog) {

    public LocalPlatformSpec {
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    }

    /** A platform whose router serves plain HTTP only and keeps no access log. */
    public LocalPlatformSpec(List<String> command, Map<String, String> env, int instances, Path workingDir,
                             ListenAddress listen, Readiness readiness, Stop stop, boolean keepPreviousWarm) {
        this(command, env, instances, workingDir, listen, readiness, stop, keepPreviousWarm, null, null);
    }

    /**
     * HTTPS at the router: served on {@code listen} with the PEM certificate chain (leaf first) and the unencrypted
     * PKCS#8 key of its leaf, both reloaded by the router when they change on disk.
     */
    public record Tls(ListenAddress listen, Path cert, Path key) {
    }

    /** Readiness: an HTTP GET to {@code path} answered 2xx, tried every {@code interval} until {@code timeout}. */
    public record Readiness(String path, Duration timeout, Duration interval) {
    }

    /** Graceful stop: send {@code signal}, then SIGKILL after {@code gracePeriod}. */
    public record Stop(StopSignal signal, Duration gracePeriod) {
    }

    /** A host and port to listen on. */
    public record ListenAddress(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
