package dev.deployguard.analysis;

/**
 * The sequential judge's sentences: every verdict names the metric, its estimate and the bound it was held to, e.g.
 * "error rate: canary 2.10% vs stable 1.00%, ratio 2.10 > bound 1.00, e-value 141 ≥ 125".
 */
final class VerdictText {
    private final SequentialConfig config;

    VerdictText(SequentialConfig config) {
        this.config = config;
    }

    String errors(long canaryErrors, long canaryRequests, long stableErrors, long stableRequests, double rollbackE,
                  double rollbackAt, double promoteE, boolean failed, boolean promoted, boolean negligible) {
        double ratio = ratio(canaryErrors, canaryRequests, stableErrors, stableRequests);
        String rates = String.format("error rate: canary %s (%d of %d) vs stable %s (%d of %d)",
                percent(canaryErrors, canaryRequests), canaryErrors, canaryRequests,
                percent(stableErrors, stableRequests), stableErrors, stableRequests);
        double bound = 1 + config.errorTolerance();
        double promoteAt = 1 / config.promoteAlpha();
        if (failed && rollbackE >= rollbackAt) {
            return String.format("%s, ratio %s > bound %.2f, e-value %s ≥ %s", rates, number(ratio), bound,
                    number(rollbackE), number(rollbackAt));
        }
        if (promoted) {
            return String.format("%s, ratio %s < promote bound %.2f, e-value %s ≥ %s", rates, number(ratio),
                    config.errorPromoteRatio(), number(promoteE), number(promoteAt));
        }
        if (negligible) {
            return String.format("%s, canary rate below the negligible %.2f%% (%d%% confidence)", rates,
                    100 * config.negligibleErrorRate(), Math.round(100 * (1 - config.promoteAlpha())));
        }
        return String.format("%s, ratio %s; rollback e-value %s (at %s, ratio > %.2f), promote e-value %s (at %s,"
                        + " ratio < %.2f)", rates, number(ratio), number(rollbackE), number(rollbackAt), bound,
                number(promoteE), number(promoteAt), config.errorPromoteRatio());
    }

    String latency(double canaryMean, double stableMean, long slower, long pairs, double rollbackE,
                   double rollbackAt, double promoteE, boolean failed, boolean promoted, long warmupPairs) {
        String estimate = pairs == 0 ? "latency: no pairs yet"
                : String.format("latency: canary mean %.1f ms vs stable %.1f ms, slower than %s in %d of %d pairs"
                        + " (%.0f%%)", canaryMean, stableMean, config.latency(), slower, pairs, 100.0 * slower / pairs);
        String warm = warmupPairs == 0 ? "" : String.format("; %d warm-up pairs ignored", warmupPairs);
        double promoteAt = 1 / config.promoteAlpha();
        if (failed && rollbackE >= rollbackAt) {
            return String.format("%s > bound 50%%, e-value %s ≥ %s%s", estimate, number(rollbackE),
                    number(rollbackAt), warm);
        }
        if (promoted) {
            return String.format("%s < bound 50%%, promote e-value %s ≥ %s%s", estimate, number(promoteE),
                    number(promoteAt), warm);
        }
        return String.format("%s; rollback e-value %s (at %s), promote e-value %s (at %s)%s", estimate,
                number(rollbackE), number(rollbackAt), number(promoteE), number(promoteAt), warm);
    }

    static double ratio(long canaryErrors, long canaryRequests, long stableErrors, long stableRequests) {
        if (canaryRequests == 0 || stableRequests == 0) {
            return Double.NaN;
        }
        double stableRate = (double) stableErrors / stableRequests;
        double canaryRate = (double) canaryErrors / canaryRequests;
        return stableRate == 0 ? (canaryRate == 0 ? 1 : Double.POSITIVE_INFINITY) : canaryRate / stableRate;
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "n/a" : String.format("%.2f%%", 100.0 * part / whole);
    }

    /** Three significant digits, plain notation for ordinary sizes. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (Double.isInfinite(value)) {
            return "∞";
        }
        double abs = Math.abs(value);
        if (abs >= 1e6 || abs < 0.01 && abs > 0) {
            return String.format("%.3g", value);
        }
        return abs >= 100 ? String.format("%.0f", value) : abs >= 10 ? String.format("%.1f", value)
                : String.format("%.2f", value);
    }
}
