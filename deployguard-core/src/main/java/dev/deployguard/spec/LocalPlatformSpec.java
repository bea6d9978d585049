package dev.deployguard.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a release runs on this host: an argument list (never passed to a shell) with {@code ${version}} and
 * {@code ${port}} placeholders, its environment, how many instances, how readiness is judged, how it is stopped,
 * and the address where the router takes the app's user traffic.
 */
public record LocalPlatformSpec(
        List<String> command,
        Map<String, String> env,
        int instances,
        Path workingDir,
        ListenAddress listen,
        Readiness readiness,
        Stop stop,
        boolean keepPreviousWarm) {

    public LocalPlatformSpec {
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
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
