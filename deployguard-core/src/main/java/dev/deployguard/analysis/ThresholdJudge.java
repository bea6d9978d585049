package dev.deployguard.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Flagger / Argo Rollouts semantics: every interval, check the canary's success rate (and p99 latency) against
 * fixed thresholds; roll back once enough checks failed, promote after enough checks passed. Unlike Flagger, a
 * check without enough canary traffic, or with a window the metric source could not measure, is INCONCLUSIVE:
 * it neither fails nor advances; under {@code compat: strict} ({@link ThresholdConfig#strict()}) it is a failed
 * check, as Flagger counts a query without values or a provider error.
 *
 * <p>Failed checks are counted over the judge's whole life (every step of a rollout and its bake), as Flagger
 * counts them toward {@code threshold}; only a FAIL is final. A PASS says that the latest check passed (and
 * enough checks passed in all): the next check may pass again, stay inconclusive, or count as a failure, so a
 * canary that passes once and then fails is rolled back, never promoted by its first good minute.
 */
public final class ThresholdJudge implements Judge {
    public static final String NAME = "threshold";

    private enum Outcome { PASSED, FAILED, INCONCLUSIVE }

    private final ThresholdConfig config;
    private final Deque<Boolean> recent = new ArrayDeque<>();
    private Instant from;
    private Instant to;
    private Instant intervalStart;
    private Judgement checked;
    private TrackWindow canary = TrackWindow.NONE;
    private final List<String> sourceErrors = new ArrayList<>();
    private int checks;
    private int failedTotal;
    private int failedInARow;
    private int passed;
    private List<Evidence> lastEvidence = List.of();
    private String lastCheck = "no check yet";
    private Judgement terminal;

    ThresholdJudge(ThresholdConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict update(WindowObservation window) {
        to = window.end();
        if (terminal != null) {
            return terminal.verdict();
        }
        if (from == null) {
            from = window.start();
            intervalStart = window.start();
        }
        if (window.isMissing()) {
            sourceErrors.add(window.sourceError());
        } else {
            canary = canary.plus(window.canary());
        }
        if (window.end().isBefore(intervalStart.plus(config.interval()))) {
            checked = null;
            return Verdict.INCONCLUSIVE;
        }
        checked = check(window.end());
        return checked.verdict();
    }

    @Override
    public Judgement judgement() {
        if (from == null) {
            throw new IllegalStateException("no window observed yet");
        }
        if (terminal != null) {
            return new Judgement(NAME, terminal.verdict(), from, to, terminal.evidence(), terminal.reason());
        }
        if (checked != null) {
            return checked;
        }
        return new Judgement(NAME, Verdict.INCONCLUSIVE, from, to, lastEvidence,
                String.format("collecting check %d (%ds of %ds); %s", checks + 1,
                        Duration.between(intervalStart, to).toSeconds(), config.interval().toSeconds(), lastCheck));
    }

    private Judgement check(Instant to) {
        checks++;
        Outcome outcome;
        List<Evidence> evidence = new ArrayList<>();
        String what;
        if (!sourceErrors.isEmpty()) {
            outcome = config.strict() ? Outcome.FAILED : Outcome.INCONCLUSIVE;
            what = "metric source error (" + sourceErrors.get(0) + "), "
                    + (config.strict() ? "a failed check (compat: strict)" : "check not counted");
        } else if (config.strict() && canary.requests() == 0) {
            outcome = Outcome.FAILED;
            what = "no values for the canary (no traffic), a failed check (compat: strict)";
        } else if (!config.strict() && canary.requests() < config.minRequestsPerCheck()) {
            outcome = Outcome.INCONCLUSIVE;
            what = String.format("too little traffic: %d canary requests < %d, check not counted", canary.requests(),
                    config.minRequestsPerCheck());
        } else {
            double successRate = 100.0 * (canary.requests() - canary.errors()) / canary.requests();
            boolean rateFails = successRate < config.minSuccessRatePercent();
            evidence.add(new Evidence("successRate", rateFails ? Verdict.FAIL : Verdict.PASS, successRate,
                    config.minSuccessRatePercent(), Double.NaN, canary.requests(), 0,
                    String.format("canary success rate %.3f%% (%d errors in %d requests) %s %.2f%%", successRate,
                            canary.errors(), canary.requests(), rateFails ? "<" : ">=",
                            config.minSuccessRatePercent())));
            boolean latencyFails = false;
            boolean latencyUnknown = false;
            if (config.checksLatency()) {
                double p99 = canary.histogram().quantile(0.99);
                latencyUnknown = Double.isNaN(p99);
                latencyFails = !latencyUnknown && p99 > config.maxP99Millis();
                evidence.add(new Evidence("latencyP99",
                        latencyUnknown ? Verdict.INCONCLUSIVE : latencyFails ? Verdict.FAIL : Verdict.PASS, p99,
                        config.maxP99Millis(), Double.NaN, canary.histogram().total(), 0,
                        latencyUnknown ? "no latency histogram for the canary"
                                : String.format("canary p99 latency %.1f ms %s %.1f ms", p99,
                                latencyFails ? ">" : "<=", config.maxP99Millis())));
            }
            if (rateFails || latencyFails) {
                outcome = Outcome.FAILED;
                what = rateFails && latencyFails ? "success rate and p99 out of range"
                        : rateFails ? "success rate below threshold" : "p99 latency above threshold";
            } else if (latencyUnknown) {
                outcome = config.strict() ? Outcome.FAILED : Outcome.INCONCLUSIVE;
                what = config.strict() ? "no latency values, a failed check (compat: strict)"
                        : "latency not measured, check not counted";
            } else {
                outcome = Outcome.PASSED;
                what = "within thresholds";
            }
        }
        count(outcome);
        canary = TrackWindow.NONE;
        sourceErrors.clear();
        intervalStart = to;
        lastEvidence = evidence;
        lastCheck = String.format("check %d %s: %s; %s", checks, outcome.name().toLowerCase(), what, tally());

        Verdict verdict;
        String reason;
        if (failuresReached()) {
            verdict = Verdict.FAIL;
            reason = "failed checks reached the threshold: " + lastCheck;
        } else if (outcome == Outcome.PASSED && passed >= config.checksToPromote()) {
            verdict = Verdict.PASS;
            reason = "enough successful checks: " + lastCheck;
        } else {
            verdict = Verdict.INCONCLUSIVE;
            reason = lastCheck;
        }
        Judgement judgement = new Judgement(NAME, verdict, from, to, evidence, reason);
        if (verdict == Verdict.FAIL) {
            terminal = judgement;
        }
        return judgement;
    }

    private void count(Outcome outcome) {
        if (outcome == Outcome.INCONCLUSIVE) {
            return; // neither evidence of failure nor of health
        }
        boolean failed = outcome == Outcome.FAILED;
        if (failed) {
            failedTotal++;
            failedInARow++;
        } else {
            passed++;
            failedInARow = 0;
        }
        recent.addLast(failed);
        if (recent.size() > config.failureWindow()) {
            recent.removeFirst();
        }
    }

    private int failuresCounted() {
        return switch (config.counting()) {
            case TOTAL -> failedTotal;
            case CONSECUTIVE -> failedInARow;
            case K_OF_N -> (int) recent.stream().filter(f -> f).count();
        };
    }

    private boolean failuresReached() {
        return failuresCounted() >= config.failureThreshold();
    }

    private String tally() {
        String counted = switch (config.counting()) {
            case TOTAL -> "in total";
            case CONSECUTIVE -> "in a row";
            case K_OF_N -> "of the last " + config.failureWindow();
        };
        return String.format("%d failed %s (rollback at %d), %d of %d successful checks to promote",
                failuresCounted(), counted, config.failureThreshold(), passed, config.checksToPromote());
    }
}
