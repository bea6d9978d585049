// Over 400 lines: the whole strategy grammar (canary, blue/green, Flagger shorthand, analysis, hooks).
package dev.deployguard.spec;

import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.FlaggerProgression;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.rollout.WebhookSpec;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Validates the {@code strategy} block: Argo-style steps or Flagger's shorthand, analysis, webhooks. */
final class StrategyParser {
    private static final Set<String> JUDGES = Set.of("sequential", "threshold", "mannWhitney");
    private static final Set<String> HOOK_TYPES = Set.of("pre-rollout", "acceptance", "load", "post-rollout",
            "rollback", "confirm-rollout", "confirm-traffic-increase", "confirm-promotion");

    private StrategyParser() {
    }

    static Strategy parse(RawSpec.RawStrategy raw, String at, List<String> problems) {
        if (raw == null) {
            return new Strategy.Replace();
        }
        if (raw.canary != null && raw.blueGreen != null) {
            problems.add(at + ": choose one of canary or blueGreen, not both");
            return null;
        }
        if (raw.canary != null) {
            return canary(raw.canary, at + ".canary", problems);
        }
        if (raw.blueGreen != null) {
            return blueGreen(raw.blueGreen, at + ".blueGreen", problems);
        }
        problems.add(at + ": expected canary or blueGreen");
        return null;
    }

    private static Strategy canary(RawSpec.RawCanary raw, String at, List<String> problems) {
        AnalysisSpec analysis = analysis(raw.analysis, at + ".analysis", problems);
        List<WebhookSpec> hooks = webhooks(raw.webhooks, at + ".webhooks", problems);
        List<Step> steps = new ArrayList<>();
        boolean shorthand = raw.stepWeight != null || raw.maxWeight != null || raw.interval != null
                || raw.threshold != null || raw.stepWeights != null || raw.stepWeightPromotion != null;
        if (raw.steps != null && shorthand) {
            problems.add(at + ": use either steps or Flagger's interval/threshold/stepWeight/maxWeight/stepWeights,"
                    + " not both");
        } else if (raw.steps != null) {
            steps.addAll(steps(raw.steps, analysis, at + ".steps", problems));
            if (raw.steps.isEmpty()) {
                problems.add(at + ".steps: expected at least one step");
            }
        } else {
            // Flagger: every interval the analysis is checked; if it holds, the weight moves to the next step.
            FlaggerProgression progression = progression(raw, at, problems);
            Duration interval = duration(raw.interval, "1m", at + ".interval", problems);
            if (raw.threshold != null && raw.threshold < 1) {
                problems.add(at + ".threshold: expected 1 or more, got " + raw.threshold);
            }
            if (progression != null && analysis != null && interval != null) {
                int threshold = raw.threshold == null ? analysis.failureLimit() : raw.threshold;
                // Flagger checks once per interval: a threshold judge counts checks of that length (1 m unless
                // set), so threshold: 5 means five minutes of failures, not five 5-second looks. Other judges keep
                // their own look interval unless the shorthand's interval is given.
                boolean countsChecks = "threshold".equals(analysis.judge())
                        && (raw.analysis == null || raw.analysis.interval == null);
                analysis = new AnalysisSpec(analysis.judge(),
                        raw.interval == null && !countsChecks ? analysis.interval() : interval,
                        analysis.minDuration(), analysis.maxDuration(), analysis.alpha(), analysis.tolerance(),
                        analysis.successRate(), analysis.maxLatencyMillis(), threshold, analysis.latency(),
                        analysis.latencyWarmup(), analysis.negligibleErrorRate(),
                        analysis.source(), List.of(), analysis.strict()).withLatencyJudging(
                        analysis.latencyComparison(), analysis.latencyWarmupRequests()).withLoad(analysis.load());
                for (WebhookSpec h : hooks) {
                    if (h.type().equals("pre-rollout") || h.type().equals("acceptance")) {
                        steps.add(new Step.Webhook(h));
                    }
                }
                AnalysisSpec perStep = new AnalysisSpec(analysis.judge(), analysis.interval(), interval,
                        interval.multipliedBy(Math.max(1, threshold)).plus(analysis.maxDuration()), analysis.alpha(),
                        analysis.tolerance(), analysis.successRate(), analysis.maxLatencyMillis(), threshold,
                        analysis.latency(), analysis.latencyWarmup(), analysis.negligibleErrorRate(),
                        analysis.source(), List.of(), analysis.strict()).withLatencyJudging(
                        analysis.latencyComparison(), analysis.latencyWarmupRequests()).withLoad(analysis.load());
                for (int w : progression.canaryWeights()) {
                    steps.add(new Step.SetWeight(w));
                    steps.add(new Step.Analysis(perStep));
                }
            }
        }
        if (Boolean.TRUE.equals(raw.skipAnalysis)) {
            // Flagger's skipAnalysis: promote without weights, checks or gates.
            steps.clear();
        } else {
            steps = gated(steps, hooks);
        }
        Duration bake = duration(raw.bake, "1m", at + ".bake", problems);
        Optional<Duration> deadline = ProgressDeadline.parse(raw.progressDeadlineSeconds,
                at + ".progressDeadlineSeconds", problems);
        if (analysis == null || bake == null) {
            return null;
        }
        return new Strategy.Canary(steps, analysis, bake, outcomeHooks(hooks), deadline);
    }

    /**
     * Flagger's weights: {@code stepWeights}, or {@code stepWeight} (default 10) up to {@code maxWeight} (default
     * 50), stepped exactly as Flagger steps them (the last step may pass maxWeight, see {@link FlaggerProgression}).
     */
    private static FlaggerProgression progression(RawSpec.RawCanary raw, String at, List<String> problems) {
        int before = problems.size();
        List<Integer> list = new ArrayList<>();
        if (raw.stepWeights != null) {
            if (raw.stepWeights.isEmpty()) {
                problems.add(at + ".stepWeights: expected at least one weight, e.g. [1, 2, 10, 80]");
            }
            for (int i = 0; i < raw.stepWeights.size(); i++) {
                BigDecimal w = raw.stepWeights.get(i);
                int bp = w == null ? -1 : weight(w, at + ".stepWeights[" + i + "]", problems);
                if (bp == 0 || w == null) {
                    problems.add(at + ".stepWeights[" + i + "]: expected a percentage above 0");
                }
                list.add(bp);
            }
        }
        boolean fixed = raw.stepWeight != null || raw.stepWeights == null;
        int step = fixed ? weight(raw.stepWeight == null ? BigDecimal.TEN : raw.stepWeight, at + ".stepWeight",
                problems) : 0;
        int max = raw.maxWeight == null ? (raw.stepWeights == null ? 5000 : 0)
                : weight(raw.maxWeight, at + ".maxWeight", problems);
        if (raw.stepWeightPromotion != null) {
            weight(raw.stepWeightPromotion, at + ".stepWeightPromotion", problems);
        }
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i) <= list.get(i - 1)) {
                // Flagger never advances past a step that does not grow: the canary would hang there.
                problems.add(at + ".stepWeights: expected increasing weights, got " + raw.stepWeights);
                break;
            }
        }
        if (problems.size() > before) {
            return null;
        }
        if (fixed && (step <= 0 || (list.isEmpty() && max > 0 && max < step))) {
            problems.add(at + ": expected 0 < stepWeight <= maxWeight");
            return null;
        }
        // Both given: Flagger steps by stepWeight up to the last of stepWeights; FlaggerProgression does the same.
        return new FlaggerProgression(step, max, list);
    }

    private static Strategy blueGreen(RawSpec.RawBlueGreen raw, String at, List<String> problems) {
        AnalysisSpec analysis = analysis(raw.analysis, at + ".analysis", problems);
        List<WebhookSpec> hooks = webhooks(raw.webhooks, at + ".webhooks", problems);
        List<Step> steps = new ArrayList<>();
        for (WebhookSpec h : hooks) {
            if (h.type().equals("pre-rollout") || h.type().equals("acceptance")) {
                steps.add(new Step.Webhook(h));
            }
        }
        if (raw.prePromotion != null) {
            List<Step> pre = steps(raw.prePromotion, analysis, at + ".prePromotion", problems);
            if (pre.stream().anyMatch(s -> s instanceof Step.SetWeight)) {
                problems.add(at + ".prePromotion: setWeight is not allowed in blue/green (no user traffic reaches"
                        + " the new release before the switch)");
            }
            steps.addAll(pre);
        }
        if (raw.iterations != null || raw.interval != null || raw.threshold != null) {
            Step iterations = iterations(raw, analysis, at, problems);
            if (iterations != null) {
                steps.add(iterations);
            }
        }
        List<Step> withGates = new ArrayList<>();
        hooks.stream().filter(h -> h.type().equals("confirm-rollout")).forEach(h -> withGates.add(new Step.Webhook(h)));
        withGates.addAll(steps);
        hooks.stream().filter(h -> h.type().equals("confirm-promotion"))
                .forEach(h -> withGates.add(new Step.Webhook(h)));
        steps = withGates;
        // previewListen is the local platform's preview address: SpecParser requires it there; on Kubernetes the
        // preview is the <service>-preview Service.
        Duration delay = duration(raw.scaleDownDelay, "30s", at + ".scaleDownDelay", problems);
        Duration bake = duration(raw.bake, "0s", at + ".bake", problems);
        Optional<Duration> deadline = ProgressDeadline.parse(raw.progressDeadlineSeconds,
                at + ".progressDeadlineSeconds", problems);
        if (analysis == null || delay == null || bake == null) {
            return null;
        }
        return new Strategy.BlueGreen(raw.previewListen, steps, raw.autoPromote == null || raw.autoPromote, delay,
                analysis, bake, outcomeHooks(hooks), deadline);
    }

    /**
     * Flagger's blue/green {@code iterations}: that many checks of one {@code interval} (default 1 m) at the preview
     * before the switch, {@code threshold} failed checks rolling back; one analysis step of that length here.
     */
    private static Step iterations(RawSpec.RawBlueGreen raw, AnalysisSpec analysis, String at, List<String> problems) {
        int n = raw.iterations == null ? 10 : raw.iterations;
        if (n < 1) {
            problems.add(at + ".iterations: expected 1 or more, got " + n);
        }
        if (raw.threshold != null && raw.threshold < 1) {
            problems.add(at + ".threshold: expected 1 or more, got " + raw.threshold);
        }
        Duration interval = duration(raw.interval, "1m", at + ".interval", problems);
        if (analysis == null || interval == null || n < 1 || (raw.threshold != null && raw.threshold < 1)) {
            return null;
        }
        int threshold = raw.threshold == null ? analysis.failureLimit() : raw.threshold;
        Duration length = interval.multipliedBy(n);
        return new Step.Analysis(new AnalysisSpec(analysis.judge(), analysis.interval(), length,
                length.plus(analysis.maxDuration()), analysis.alpha(), analysis.tolerance(), analysis.successRate(),
                analysis.maxLatencyMillis(), threshold, analysis.latency(), analysis.latencyWarmup(),
                analysis.negligibleErrorRate(), analysis.source(), List.of(), analysis.strict())
                .withLatencyJudging(analysis.latencyComparison(), analysis.latencyWarmupRequests())
                .withLoad(analysis.load()));
    }

    private static dev.deployguard.rollout.MetricSourceSpec source(RawSpec.RawSource raw, String at,
                                                                  List<String> problems) {
        boolean web = raw.web != null;
        RawSpec.RawSourceFields f = web ? raw.web : raw.prometheus;
        if ((raw.web == null) == (raw.prometheus == null)) {
            problems.add(at + ": expected exactly one of prometheus or web");
            return null;
        }
        String here = at + (web ? ".web" : ".prometheus");
        int before = problems.size();
        if (f.url == null) {
            problems.add(here + ".url: missing; expected an http:// or https:// URL");
        } else {
            try {
                // Placeholders ({{start}}, {{end}}, {{window}}) are filled per window; check the URL around them.
                URI u = URI.create(f.url.replaceAll("\\{\\{[a-z]+}}", "0"));
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    problems.add(here + ".url: expected an http:// or https:// URL, got '" + f.url + "'");
                }
            } catch (IllegalArgumentException e) {
                problems.add(here + ".url: not a URL: '" + f.url + "'");
            }
        }
        for (String[] field : new String[][] {{"stableRequests", f.stableRequests}, {"stableErrors", f.stableErrors},
                {"canaryRequests", f.canaryRequests}, {"canaryErrors", f.canaryErrors}}) {
            if (field[1] == null || field[1].isBlank()) {
                problems.add(here + "." + field[0] + ": missing; expected " + (web ? "a JSON path such as"
                        + " $.canary.errors" : "a PromQL query"));
            }
        }
        Duration timeout = duration(f.timeout, "10s", here + ".timeout", problems);
        if (problems.size() > before) {
            return null;
        }
        return new dev.deployguard.rollout.MetricSourceSpec(web ? "web" : "prometheus", f.url, f.stableRequests,
                f.stableErrors, f.canaryRequests, f.canaryErrors, f.bearerTokenEnv, timeout);
    }

    /** Hooks called on an outcome (rollback, post-rollout) rather than as a step. */
    /**
     * Flagger's gates: confirm-rollout before anything, confirm-traffic-increase before every weight increase,
     * confirm-promotion before the promotion.
     */
    private static List<Step> gated(List<Step> steps, List<WebhookSpec> hooks) {
        List<Step> out = new ArrayList<>();
        hooks.stream().filter(h -> h.type().equals("confirm-rollout")).forEach(h -> out.add(new Step.Webhook(h)));
        for (Step step : steps) {
            if (step instanceof Step.SetWeight) {
                hooks.stream().filter(h -> h.type().equals("confirm-traffic-increase"))
                        .forEach(h -> out.add(new Step.Webhook(h)));
            }
            out.add(step);
        }
        hooks.stream().filter(h -> h.type().equals("confirm-promotion")).forEach(h -> out.add(new Step.Webhook(h)));
        return out;
    }

    private static List<WebhookSpec> outcomeHooks(List<WebhookSpec> hooks) {
        return hooks.stream().filter(h -> h.type().equals("rollback") || h.type().equals("post-rollout")).toList();
    }

    private static List<Step> steps(List<RawSpec.RawStep> raw, AnalysisSpec base, String at,
                                    List<String> problems) {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            RawSpec.RawStep s = raw.get(i);
            String here = at + "[" + i + "]";
            int kinds = (s == null ? 0 : (s.setWeight != null ? 1 : 0) + (s.pause != null ? 1 : 0)
                    + (s.analysis != null ? 1 : 0) + (s.webhook != null ? 1 : 0));
            if (kinds != 1) {
                problems.add(here + ": expected exactly one of setWeight, pause, analysis, webhook");
                continue;
            }
            if (s.setWeight != null) {
                int bp = weight(s.setWeight, here + ".setWeight", problems);
                if (bp >= 0) {
                    out.add(new Step.SetWeight(bp));
                }
            } else if (s.pause != null) {
                Duration d = s.pause.duration == null ? null : duration(s.pause.duration, null, here + ".pause.duration",
                        problems);
                out.add(new Step.Pause(d));
            } else if (s.analysis != null) {
                AnalysisSpec a = analysis(s.analysis, base == null ? AnalysisSpec.defaults() : base,
                        here + ".analysis", problems);
                if (a != null) {
                    out.add(new Step.Analysis(a));
                }
            } else {
                List<WebhookSpec> hook = webhooks(List.of(s.webhook), here + ".webhook", problems);
                hook.forEach(h -> out.add(new Step.Webhook(h)));
            }
        }
        return out;
    }

    /** Percent with up to two decimals (basis points): 0.5 is 50 bp. */
    private static int weight(BigDecimal percent, String at, List<String> problems) {
        BigDecimal bp = percent.movePointRight(2);
        if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0 || bp.stripTrailingZeros().scale() > 0) {
            problems.add(at + ": expected a percentage from 0 to 100 with at most two decimals, got " + percent);
            return -1;
        }
        return bp.intValueExact();
    }

    static AnalysisSpec analysis(RawSpec.RawAnalysis raw, String at, List<String> problems) {
        return analysis(raw, AnalysisSpec.defaults(), at, problems);
    }

    /** A step's analysis: fields it leaves out come from the strategy's analysis ({@code base}). */
    static AnalysisSpec analysis(RawSpec.RawAnalysis raw, AnalysisSpec base, String at, List<String> problems) {
        AnalysisSpec d = base;
        if (raw == null) {
            return d;
        }
        int before = problems.size();
        String judge = raw.judge == null ? d.judge() : raw.judge;
        if (!JUDGES.contains(judge)) {
            problems.add(at + ".judge: expected sequential, threshold or mannWhitney, got '" + judge + "'");
        }
        Duration interval = duration(raw.interval, Durations.format(d.interval()), at + ".interval", problems);
        Duration min = duration(raw.minDuration, Durations.format(d.minDuration()), at + ".minDuration", problems);
        Duration max = duration(raw.maxDuration, Durations.format(d.maxDuration()), at + ".maxDuration", problems);
        double alpha = raw.alpha == null ? d.alpha() : raw.alpha;
        if (alpha <= 0 || alpha >= 0.5) {
            problems.add(at + ".alpha: expected a probability between 0 and 0.5, got " + alpha);
        }
        double tol = raw.tolerance == null ? d.tolerance() : raw.tolerance;
        if (tol < 0 || tol > 10) {
            problems.add(at + ".tolerance: expected 0 to 10 (a relative margin, 0.2 = 20%), got " + tol);
        }
        double success = raw.successRate == null ? d.successRate() : raw.successRate;
        if (success <= 0 || success > 100) {
            problems.add(at + ".successRate: expected a percentage in (0, 100], got " + success);
        }
        Duration warmup = duration(raw.latencyWarmup, Durations.format(d.latencyWarmup()), at + ".latencyWarmup",
                problems);
        LatencyOptions latency = LatencyOptions.parse(raw.latency, d, at + ".latency", problems);
        dev.deployguard.rollout.LoadSpec load = LoadOptions.parse(raw.load, at + ".load", problems);
        if (latency != null && latency.warmup() != null) {
            warmup = latency.warmup();
        }
        Duration maxLatency = duration(raw.maxLatency, (long) d.maxLatencyMillis() + "ms", at + ".maxLatency",
                problems);
        int failureLimit = raw.failureLimit == null ? d.failureLimit() : raw.failureLimit;
        double negligible = raw.negligibleErrorRate == null ? d.negligibleErrorRate() : raw.negligibleErrorRate;
        if (!(negligible >= 0 && negligible < 0.5)) {
            problems.add(at + ".negligibleErrorRate: expected a rate from 0 to 0.5 (0.001 = 0.1%), got " + negligible);
        }
        if (failureLimit < 1) {
            problems.add(at + ".failureLimit: expected 1 or more, got " + failureLimit);
        }
        List<MetricDefinition> metrics = raw.metrics == null && raw.templates == null ? d.metrics()
                : MetricSpecParser.metrics(raw.metrics, raw.templates, raw.args, raw.templatesInScope, at, problems);
        boolean strict = d.strict();
        if (raw.compat != null) {
            if (!raw.compat.equals("strict") && !raw.compat.equals("deployguard")) {
                problems.add(at + ".compat: expected strict (decide exactly as the anchor: Argo Rollouts, Flagger, Kayenta)"
                        + " or deployguard (the default: provider errors and no data hold), got '" + raw.compat + "'");
            }
            strict = raw.compat.equals("strict");
        }
        if (problems.size() > before) {
            return null;
        }
        if (max.compareTo(min) < 0) {
            problems.add(at + ".maxDuration: must be at least minDuration (" + Durations.format(min) + ")");
            return null;
        }
        return new AnalysisSpec(judge, interval, min, max, alpha, tol, success, maxLatency.toMillis(), failureLimit,
                latency.judged(), warmup, negligible,
                raw.source == null ? d.source() : source(raw.source, at + ".source", problems), metrics, strict,
                latency.comparison(), latency.warmupRequests(), load);
    }

    private static List<WebhookSpec> webhooks(List<RawSpec.RawWebhook> raw, String at, List<String> problems) {
        List<WebhookSpec> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (int i = 0; i < raw.size(); i++) {
            RawSpec.RawWebhook w = raw.get(i);
            String here = raw.size() == 1 && at.endsWith(".webhook") ? at : at + "[" + i + "]";
            if (w == null) {
                problems.add(here + ": expected a webhook (name, url, ...)");
                continue;
            }
            int before = problems.size();
            String name = w.name == null ? "webhook-" + i : w.name;
            String type = w.type == null ? "acceptance" : w.type;
            if (!HOOK_TYPES.contains(type)) {
                problems.add(here + ".type: expected one of " + HOOK_TYPES + ", got '" + type + "'");
            }
            if (w.url == null) {
                problems.add(here + ".url: missing; expected an http:// or https:// URL");
            } else {
                try {
                    URI u = URI.create(w.url);
                    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                        problems.add(here + ".url: expected an http:// or https:// URL, got '" + w.url + "'");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(here + ".url: not a URL: '" + w.url + "'");
                }
            }
            Duration timeout = duration(w.timeout, "10s", here + ".timeout", problems);
            int retries = w.retries == null ? 2 : w.retries;
            if (retries < 0 || retries > 10) {
                problems.add(here + ".retries: expected 0 to 10, got " + retries);
            }
            // Flagger: a confirm-* gate that says "not yet" holds the rollout; a failing pre-rollout hook is a failed
            // check counted toward the threshold.
            String onFailure = w.onFailure != null ? w.onFailure : type != null && type.startsWith("confirm-") ? "hold"
                    : "pre-rollout".equals(type) ? "count" : "rollback";
            if (!Set.of("rollback", "block", "hold", "count").contains(onFailure)) {
                problems.add(here + ".onFailure: expected rollback, block, hold (ask again every interval) or count"
                        + " (a failed check toward the threshold), got '" + onFailure + "'");
            }
            if (problems.size() == before) {
                out.add(new WebhookSpec(name, type, w.url, timeout, retries, onFailure));
            }
        }
        return out;
    }

    private static Duration duration(String text, String dflt, String at, List<String> problems) {
        if (text == null && dflt == null) {
            return null;
        }
        try {
            return Durations.parse(text == null ? dflt : text);
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + e.getMessage());
            return null;
        }
    }
}
