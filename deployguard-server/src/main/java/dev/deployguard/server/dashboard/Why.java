package dev.deployguard.server.dashboard;

import dev.deployguard.analysis.Evidence;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.rollout.AnalysisSpec;
import java.util.Locale;

/**
 * One sentence per verdict, for a person who has not read the judge's paper: what decided it, against which bound,
 * on how many samples. The judge's own reason follows it on the page for the details.
 */
final class Why {
    private Why() {
    }

    static String of(Judgement j, AnalysisSpec spec, WindowObservation window) {
        if (window.isMissing()) {
            return "Holding: the metric source could not measure the last window (" + window.sourceError()
                    + "), and a source error is never taken as evidence against the canary.";
        }
        Evidence worst = j.evidence().stream().filter(e -> e.verdict() == Verdict.FAIL).findFirst()
                .orElse(j.evidence().isEmpty() ? null : j.evidence().get(0));
        double e = j.eValue();
        String samples = worst == null ? "" : " (" + worst.canarySamples() + " canary and " + worst.stableSamples()
                + " stable samples)";
        return switch (j.verdict()) {
            case FAIL -> Double.isFinite(e)
                    ? String.format(Locale.ROOT, "Roll back: the evidence that the canary's %s is worse than stable's"
                            + " reached e-value %s, past the bound 1/alpha = %s%s, so the chance this is a false"
                            + " alarm is at most %s.", name(worst), num(e), num(1 / spec.alpha()), samples,
                            num(spec.alpha()))
                    : "Roll back: " + (worst == null ? j.reason() : worst.reason()) + ".";
            case PASS -> Double.isFinite(e)
                    ? String.format(Locale.ROOT, "Promote: the confidence bounds of every metric lie below their"
                            + " promote bounds%s, and the e-value %s stays far from 1/alpha = %s.", samples, num(e),
                            num(1 / spec.alpha()))
                    : "Promote: every check passed" + samples + ": " + j.reason() + ".";
            case INCONCLUSIVE -> Double.isFinite(e)
                    ? String.format(Locale.ROOT, "Hold: not enough evidence yet%s; the e-value %s is below"
                            + " 1/alpha = %s (no rollback) and the confidence bounds do not yet allow promotion.",
                            samples, num(e), num(1 / spec.alpha()))
                    : "Hold: not enough evidence yet" + samples + ": " + j.reason() + ".";
        };
    }

    private static String name(Evidence e) {
        if (e == null) {
            return "behaviour";
        }
        return switch (e.metric()) {
            case "errors" -> "error rate";
            case "latency" -> "latency";
            default -> "metric " + e.metric();
        };
    }

    static String num(double v) {
        if (!Double.isFinite(v)) {
            return v > 0 ? "∞" : "-";
        }
        double a = Math.abs(v);
        return a != 0 && (a >= 1e5 || a < 1e-3) ? String.format(Locale.ROOT, "%.2e", v)
                : String.format(Locale.ROOT, "%.3g", v);
    }
}
