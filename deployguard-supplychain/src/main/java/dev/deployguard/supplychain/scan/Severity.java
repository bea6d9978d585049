package dev.deployguard.supplychain.scan;

import java.util.Locale;
import java.util.Optional;

/**
 * A finding's severity, most severe first, on the common scale Grype and Trivy share. {@link #UNKNOWN} (a scanner
 * that could not rate a finding) ranks below everything and never fails a gate on its own: it is counted and shown.
 */
public enum Severity {
    CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN;

    /** Parses a scanner's severity word ({@code Critical}, {@code HIGH}, {@code negligible}, ...), any case. */
    public static Optional<Severity> parse(String word) {
        if (word == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(word.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Maps a CVSS base score (SARIF {@code security-severity}) to a severity with the CVSS v3 qualitative bands:
     * 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low, 0 none (negligible).
     */
    public static Severity fromCvss(double score) {
        if (score >= 9.0) {
            return CRITICAL;
        }
        if (score >= 7.0) {
            return HIGH;
        }
        if (score >= 4.0) {
            return MEDIUM;
        }
        return score > 0.0 ? LOW : NEGLIGIBLE;
    }

    /** Whether a finding of this severity reaches the gate's threshold (UNKNOWN never does). */
    public boolean reaches(Severity threshold) {
        return this != UNKNOWN && ordinal() <= threshold.ordinal();
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
