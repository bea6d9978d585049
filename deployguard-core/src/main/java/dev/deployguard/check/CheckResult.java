package dev.deployguard.check;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What one check found.
 *
 * @param name     the check's stable name, e.g. {@code image.signature}
 * @param status   the outcome
 * @param evidence what was looked at and what was seen, in a sentence a person can verify
 * @param remedy   what to do about a WARN/FAIL/ERROR (empty for PASS/SKIPPED)
 * @param took     how long the check ran
 * @param data     machine-readable details (digests, counts, ...) for JSON output and events; never secrets
 */
public record CheckResult(String name, CheckStatus status, String evidence, String remedy, Duration took,
                          Map<String, Object> data) {
    public CheckResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        evidence = evidence == null ? "" : evidence;
        remedy = remedy == null ? "" : remedy;
        took = took == null ? Duration.ZERO : took;
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    public static CheckResult pass(String name, String evidence) {
        return new CheckResult(name, CheckStatus.PASS, evidence, "", Duration.ZERO, Map.of());
    }

    public static CheckResult warn(String name, String evidence, String remedy) {
        return new CheckResult(name, CheckStatus.WARN, evidence, remedy, Duration.ZERO, Map.of());
    }

    public static CheckResult fail(String name, String evidence, String remedy) {
        return new CheckResult(name, CheckStatus.FAIL, evidence, remedy, Duration.ZERO, Map.of());
    }

    /** "Cannot tell": the check could not reach a verdict (timeout, unreachable, unreadable input). */
    public static CheckResult error(String name, String evidence, String remedy) {
        return new CheckResult(name, CheckStatus.ERROR, evidence, remedy, Duration.ZERO, Map.of());
    }

    public static CheckResult skipped(String name, String why) {
        return new CheckResult(name, CheckStatus.SKIPPED, why, "", Duration.ZERO, Map.of());
    }

    public CheckResult withData(Map<String, Object> more) {
        var merged = new java.util.LinkedHashMap<String, Object>(data);
        merged.putAll(more);
        return new CheckResult(name, status, evidence, remedy, took, merged);
    }

    public CheckResult withTook(Duration d) {
        return new CheckResult(name, status, evidence, remedy, d, data);
    }
}
