package dev.deployguard.analysis;

import java.util.Objects;

/**
 * One metric's part of a judgement: the measured value, the bound it was compared with, the sample counts behind
 * it and, for the sequential judge, the e-value.
 *
 * @param metric what was measured ({@code errors}, {@code latency}, {@code successRate}, ...)
 * @param verdict this metric's own verdict
 * @param value the measured value (its unit is named in {@code reason})
 * @param bound the value it was compared with
 * @param eValue the anytime-valid evidence against "the canary is no worse than stable", or NaN when the judge
 *               does not compute one
 * @param canarySamples canary samples behind the value (requests, pairs or steps, as {@code reason} says)
 * @param stableSamples stable samples behind the value
 * @param reason a sentence a person can read
 * @param lowerBound lower end of the judge's confidence interval (or sequence) for {@code value}, NaN when none
 * @param upperBound upper end of that interval, NaN when none (infinite when not yet bounded)
 */
public record Evidence(String metric, Verdict verdict, double value, double bound, double eValue,
                       long canarySamples, long stableSamples, String reason, double lowerBound,
                       double upperBound) {
    /** Evidence without a confidence interval for its value. */
    public Evidence(String metric, Verdict verdict, double value, double bound, double eValue, long canarySamples,
                    long stableSamples, String reason) {
        this(metric, verdict, value, bound, eValue, canarySamples, stableSamples, reason, Double.NaN, Double.NaN);
    }

    public Evidence {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(reason, "reason");
        if (canarySamples < 0 || stableSamples < 0) {
            throw new IllegalArgumentException("sample counts must not be negative");
        }
    }
}
