package dev.deployguard.demo;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How one version of the demo app misbehaves: error rate, added latency, readiness, start delay, whether it
 * exits at once on SIGTERM ({@code exitOnTerm}: in-flight requests are cut, as by an app without graceful shutdown,
 * so only the control plane's drain keeps them from failing), and the CPU it burns per request ({@code cpuMs}: CPU
 * milliseconds of busy work, the same at any load, so a version with 4 times the value costs 4 times the CPU per
 * request with the same errors and, at low load, nearly the same latency).
 */
public record Behaviour(double errorRate, long latencyMs, boolean ready, long startDelayMs, boolean exitOnTerm,
                        double cpuMs) {
    public static final Behaviour HEALTHY = new Behaviour(0.0, 0, true, 0, false, 0);

    /** A behaviour that shuts down gracefully. */
    public Behaviour(double errorRate, long latencyMs, boolean ready, long startDelayMs) {
        this(errorRate, latencyMs, ready, startDelayMs, false);
    }

    /** A behaviour that burns no extra CPU. */
    public Behaviour(double errorRate, long latencyMs, boolean ready, long startDelayMs, boolean exitOnTerm) {
        this(errorRate, latencyMs, ready, startDelayMs, exitOnTerm, 0);
    }

    public Behaviour {
        if (!(errorRate >= 0.0 && errorRate <= 1.0)) {
            throw new IllegalArgumentException("errorRate must be within 0..1, was " + errorRate);
        }
        if (latencyMs < 0) {
            throw new IllegalArgumentException("latencyMs must not be negative, was " + latencyMs);
        }
        if (!(cpuMs >= 0 && cpuMs <= 10_000)) {
            throw new IllegalArgumentException("cpuMs must be within 0..10000, was " + cpuMs);
        }
        if (startDelayMs < 0) {
            throw new IllegalArgumentException("startDelayMs must not be negative, was " + startDelayMs);
        }
    }

    /**
     * Parses {@code DEMO_BEHAVIOUR}, e.g. {@code v2:errorRate=0.02,latencyMs=100;v3:ready=false}, into one behaviour
     * per version. A null or blank text means every version is healthy.
     *
     * @throws IllegalArgumentException with a message naming the bad part when the text is malformed
     */
    public static Map<String, Behaviour> parse(String text) {
        Map<String, Behaviour> byVersion = new HashMap<>();
        if (text == null || text.isBlank()) {
            return byVersion;
        }
        for (String entry : text.split(";", -1)) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected VERSION:key=value,... but got '" + entry.trim() + "'");
            }
            String version = entry.substring(0, colon).trim();
            if (version.isEmpty()) {
                throw new IllegalArgumentException("missing version before ':' in '" + entry.trim() + "'");
            }
            if (byVersion.containsKey(version)) {
                throw new IllegalArgumentException("version " + version + " is given twice");
            }
            byVersion.put(version, parseOne(version, entry.substring(colon + 1)));
        }
        return Map.copyOf(byVersion);
    }

    /** The behaviour for a version; healthy when the version is not mentioned. */
    public static Behaviour forVersion(Map<String, Behaviour> byVersion, String version) {
        return byVersion.getOrDefault(version, HEALTHY);
    }

    private static Behaviour parseOne(String version, String settings) {
        double errorRate = HEALTHY.errorRate;
        long latencyMs = HEALTHY.latencyMs;
        boolean ready = HEALTHY.ready;
        long startDelayMs = HEALTHY.startDelayMs;
        boolean exitOnTerm = HEALTHY.exitOnTerm;
        double cpuMs = HEALTHY.cpuMs;
        for (String pair : settings.split(",", -1)) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "version " + version + ": expected key=value but got '" + pair.trim() + "'");
            }
            String key = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            try {
                switch (key) {
                    case "errorRate" -> errorRate = Double.parseDouble(value);
                    case "latencyMs" -> latencyMs = Long.parseLong(value);
                    case "startDelayMs" -> startDelayMs = Long.parseLong(value);
                    case "ready" -> ready = parseBoolean(version, key, value);
                    case "exitOnTerm" -> exitOnTerm = parseBoolean(version, key, value);
                    case "cpuMs" -> cpuMs = Double.parseDouble(value);
                    default -> throw new IllegalArgumentException("version " + version + ": unknown key '" + key
                            + "' (known: errorRate, latencyMs, ready, startDelayMs, exitOnTerm, cpuMs)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "version " + version + ": " + key + " is not a number: '" + value + "'", e);
            }
        }
        try {
            return new Behaviour(errorRate, latencyMs, ready, startDelayMs, exitOnTerm, cpuMs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("version " + version + ": " + e.getMessage(), e);
        }
    }

    private static boolean parseBoolean(String version, String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(
                    "version " + version + ": " + key + " must be true or false, was '" + value + "'");
        };
    }
}
