package dev.deployguard.server.metrics;

import dev.deployguard.analysis.metric.Measurement;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricPhase;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Before anything deploys, each custom metric with a Prometheus or web provider is queried once, and an answer its
 * conditions cannot read — a vector where a scalar is needed — is a spec error naming the metric's path, instead of
 * an Error measurement found minutes into the rollout. A provider that cannot be reached, or that answers an error,
 * is no spec error: at run time it holds, as every provider error does. Router measures are numbers by construction
 * (their conditions are type-checked when the spec is parsed). An empty vector tells nothing (the canary's series
 * may not exist before it is deployed), so it is no spec error either.
 */
public final class MetricProbe {
    private final MetricQuery query;

    public MetricProbe(MetricQuery query) {
        this.query = query;
    }

    /** Prometheus and web queries over HTTP, each waiting at most {@code timeout}. */
    public static MetricProbe overHttp(Duration timeout) {
        return new MetricProbe(new ProviderQueries(timeout,
                (m, track, at) -> new MetricQuery.Answer.Unavailable("router measures are not probed")));
    }

    /** The app's spec errors found by querying its metrics once, each {@code PATH: why}; empty when none. */
    public List<String> problems(AppSpec app, Instant now) {
        List<String> out = new ArrayList<>();
        Strategy s = app.strategy();
        if (s == null || s instanceof Strategy.Replace) {
            return out; // no rollout, no analysis
        }
        String at = "apps." + app.name() + ".strategy." + s.rolloutKind().specName();
        probe(s.analysis(), at + ".analysis", now, out);
        String steps = s.rolloutKind() == RolloutKind.CANARY ? ".steps" : ".prePromotion";
        for (int k = 0; k < s.steps().size(); k++) {
            if (s.steps().get(k) instanceof Step.Analysis a && a.analysis() != null
                    && !a.analysis().metrics().equals(s.analysis().metrics())) {
                probe(a.analysis(), at + steps + "[" + k + "].analysis", now, out);
            }
        }
        return out;
    }

    private void probe(AnalysisSpec analysis, String at, Instant now, List<String> out) {
        List<MetricDefinition> metrics = analysis.metrics();
        for (int i = 0; i < metrics.size(); i++) {
            MetricDefinition m = metrics.get(i);
            if (m.provider() instanceof Provider.Router) {
                continue;
            }
            String path = at + ".metrics[" + i + "] (" + m.name() + ")";
            if (m.relative()) {
                if (query.query(m, "canary", now) instanceof MetricQuery.Answer.Value v
                        && v.result() instanceof List<?> vector && vector.size() > 1) {
                    out.add(path + ": a relative metric needs one number per track, and the query returned a vector"
                            + " of " + vector.size() + " values for the canary; aggregate it in the query (sum(...))");
                }
            } else if ((m.successCondition() != null || m.failureCondition() != null)
                    && query.query(m, null, now) instanceof MetricQuery.Answer.Value v
                    && v.result() instanceof List<?> vector && !vector.isEmpty()) {
                Measurement measured = m.measure(now, v.result());
                if (measured.phase() == MetricPhase.ERROR) {
                    out.add(path + ": " + measured.message().replaceFirst(
                            java.util.regex.Pattern.quote(m.name()) + ": ", ""));
                }
            }
        }
    }
}
