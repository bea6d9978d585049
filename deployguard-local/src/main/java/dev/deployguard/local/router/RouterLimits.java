package dev.deployguard.local.router;

import java.util.concurrent.TimeUnit;

/**
 * What the data path tolerates from users and backends, with defaults for a front proxy:
 *
 * @param maxBodyBytes largest request body forwarded; a larger one is answered 413 (0: no limit). Default 100 MiB.
 * @param clientIdleTimeoutMs how long a user connection may send nothing: an idle keep-alive connection is closed,
 *                            a request whose body stalls is answered 408. Default 30 s.
 * @param responseTimeoutMs how long a backend may stay silent while it owes a response before the user gets a 504.
 *                          Default 60 s.
 * @param tunnelIdleTimeoutMs how long a WebSocket (or other upgraded) connection may be quiet both ways before it
 *                            is closed. Default 5 min.
 */
record RouterLimits(long maxBodyBytes, long clientIdleTimeoutMs, long responseTimeoutMs, long tunnelIdleTimeoutMs) {
    static final RouterLimits DEFAULT = new RouterLimits(100L * 1024 * 1024, TimeUnit.SECONDS.toMillis(30),
            TimeUnit.SECONDS.toMillis(60), TimeUnit.MINUTES.toMillis(5));
    /** The prefix of the system properties that set them; the control plane passes them on to routers it starts. */
    static final String PREFIX = "deployguard.router.";

    RouterLimits {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must not be negative (0 means no limit), was "
                    + maxBodyBytes);
        }
        if (clientIdleTimeoutMs <= 0 || responseTimeoutMs <= 0 || tunnelIdleTimeoutMs <= 0) {
            throw new IllegalArgumentException("router timeouts must be positive milliseconds, were client idle "
                    + clientIdleTimeoutMs + ", response " + responseTimeoutMs + ", tunnel idle "
                    + tunnelIdleTimeoutMs);
        }
    }

    /**
     * The defaults changed by {@code -Ddeployguard.router.maxBodyBytes}, {@code .clientIdleTimeoutMs},
     * {@code .responseTimeoutMs} and {@code .tunnelIdleTimeoutMs}.
     *
     * @throws IllegalArgumentException when one is not a number or out of range
     */
    static RouterLimits fromSystemProperties() {
        return new RouterLimits(property("maxBodyBytes", DEFAULT.maxBodyBytes),
                property("clientIdleTimeoutMs", DEFAULT.clientIdleTimeoutMs),
                property("responseTimeoutMs", DEFAULT.responseTimeoutMs),
                property("tunnelIdleTimeoutMs", DEFAULT.tunnelIdleTimeoutMs));
    }

    private static long property(String name, long fallback) {
        String value = System.getProperty(PREFIX + name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PREFIX + name + " is not a whole number: '" + value + "'", e);
        }
    }

    /** Whether a body of this many bytes (so far, or announced) is over the limit. */
    boolean bodyTooLarge(long bytes) {
        return maxBodyBytes > 0 && bytes > maxBodyBytes;
    }

    @Override
    public String toString() {
        return "max body " + (maxBodyBytes == 0 ? "unlimited" : maxBodyBytes + " bytes") + ", client idle "
                + clientIdleTimeoutMs + " ms, response " + responseTimeoutMs + " ms, tunnel idle "
                + tunnelIdleTimeoutMs + " ms";
    }
}
