package dev.deployguard.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A judge's verdict after a window, with the evidence that explains it.
 *
 * @param judge the judge's name ({@code sequential}, {@code threshold}, {@code mannWhitney})
 * @param verdict PASS, FAIL or INCONCLUSIVE
 * @param from start of the evidence's time range (the analysis' first window)
 * @param to end of the last window the judge has seen
 * @param evidence one entry per metric
 * @param reason a sentence a person can read, e.g. why it failed or what it still waits for
 */
public record Judgement(String judge, Verdict verdict, Instant from, Instant to, List<Evidence> evidence,
                        String reason) {
    public Judgement {
        Objects.requireNonNull(judge, "judge");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(reason, "reason");
        evidence = List.copyOf(evidence);
    }

    /** How long the analysis has watched. */
    public Duration elapsed() {
        return Duration.between(from, to);
    }

    /** The combined e-value when the judge computes one, else NaN. */
    public double eValue() {
        return evidence.stream().mapToDouble(Evidence::eValue).filter(e -> !Double.isNaN(e)).average().orElse(Double.NaN);
    }

    @Override
    public String toString() {
        return judge + " " + verdict + " after " + elapsed().toSeconds() + "s: " + reason;
    }
}
