package dev.deployguard.bench.detection;

import java.util.LinkedHashMap;
import org.apache.commons.math3.special.Beta;
import java.util.List;
import java.util.Map;

/** Summaries of many runs' outcomes, as the benchmark's JSON reports them. */
final class Tally {
    private Tally() {
    }

    /** Rollbacks of a good canary: at any time for judges that keep watching, else before promotion. */
    static Map<String, Object> falseRollbacks(List<Outcome> outcomes, boolean watchesAfterPass) {
        long any = outcomes.stream().filter(Outcome::failed).count();
        long beforePass = outcomes.stream().filter(Outcome::failedBeforePass).count();
        long counted = watchesAfterPass ? any : beforePass;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rate", round((double) counted / outcomes.size(), 5));
        out.put("upper95", round(upperBound95(counted, outcomes.size()), 5));
        out.put("before_promote_rate", round((double) beforePass / outcomes.size(), 5));
        out.put("runs", outcomes.size());
        return out;
    }

    /** Time to roll back a bad canary, over the runs that rolled it back before promoting it. */
    static Map<String, Object> detection(List<Outcome> outcomes) {
        double[] times = outcomes.stream().filter(Outcome::failedBeforePass).mapToDouble(Outcome::failSeconds)
                .sorted().toArray();
        Map<String, Object> out = quantiles(times);
        out.put("detected_fraction", round((double) times.length / outcomes.size(), 4));
        out.put("promoted_fraction",
                round((double) outcomes.stream().filter(Outcome::passedBeforeFail).count() / outcomes.size(), 4));
        out.put("runs", outcomes.size());
        return out;
    }

    /** Time to promote a good canary, over the runs that promoted it before any rollback. */
    static Map<String, Object> promotion(List<Outcome> outcomes) {
        double[] times = outcomes.stream().filter(Outcome::passedBeforeFail).mapToDouble(Outcome::passSeconds)
                .sorted().toArray();
        Map<String, Object> out = quantiles(times);
        out.put("promoted_fraction", round((double) times.length / outcomes.size(), 4));
        return out;
    }

    private static Map<String, Object> quantiles(double[] sorted) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("median", sorted.length == 0 ? null : round(quantile(sorted, 0.5), 1));
        out.put("p90", sorted.length == 0 ? null : round(quantile(sorted, 0.9), 1));
        return out;
    }

    /** Linear interpolation between order statistics (Hyndman-Fan type 7, R's default). */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 1) {
            return sorted[0];
        }
        double h = (sorted.length - 1) * q;
        int low = (int) Math.floor(h);
        int high = Math.min(low + 1, sorted.length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    /** One-sided 95% Clopper-Pearson upper bound on a binomial proportion (bisection on the binomial tail). */
    static double upperBound95(long k, long n) {
        if (k >= n) {
            return 1;
        }
        double low = (double) k / n;
        double high = 1;
        for (int i = 0; i < 60; i++) {
            double p = (low + high) / 2;
            if (binomialCdf(k, n, p) > 0.05) {
                low = p;
            } else {
                high = p;
            }
        }
        return high;
    }

    private static double binomialCdf(long k, long n, double p) {
        return 1 - Beta.regularizedBeta(p, k + 1.0, (double) (n - k));
    }

    static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
