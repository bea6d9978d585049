package dev.deployguard.server.drill;

import dev.deployguard.event.EventKinds;
import dev.deployguard.release.Release;
import dev.deployguard.server.deploy.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** What every drill, local or on Kubernetes, records: each step as an event, and the final report with its verdict. */
final class DrillEvents {
    private DrillEvents() {
    }

    static void step(EventLog events, String app, String actor, DrillReport.Step s) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", s.name());
        data.put("outcome", s.outcome().name());
        data.put("durationMillis", s.durationMillis());
        events.record(app, null, actor, EventKinds.DRILL_STEP, "drill step '" + s.name() + "' "
                + s.outcome() + " in " + s.durationMillis() + " ms: " + s.detail(), data);
    }

    /** The report: passed only when the baseline was recorded, nothing differs and every step passed. */
    static DrillReport finish(EventLog events, String app, String actor, String baseline, String candidate,
                              List<DrillReport.Step> steps, Duration took, Optional<Release> serving,
                              ObservedState before, ObservedState after, List<ObservedState.Difference> diffs,
                              String summary) {
        boolean passed = before != null && diffs.isEmpty()
                && steps.stream().allMatch(s -> s.outcome() == DrillReport.Outcome.PASS);
        long ms = took.toMillis();
        String where = serving.map(r -> "the app is on revision " + r.revision() + " (" + r.version() + ")")
                .orElse("nothing serves the app");
        String text = (passed ? "drill PASSED: " : "drill FAILED: ") + summary + "; " + where + "; took " + ms
                + " ms";
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("passed", passed);
        data.put("durationMillis", ms);
        data.put("differences", diffs.stream().map(ObservedState.Difference::field).toList());
        serving.ifPresent(r -> {
            data.put("finalRevision", r.revision());
            data.put("finalVersion", r.version());
        });
        events.record(app, serving.map(Release::revision).orElse(null), actor, EventKinds.DRILL_FINISHED, text, data);
        return new DrillReport(app, baseline, candidate, passed, ms, steps, before, after, diffs,
                serving.map(Release::revision).orElse(null), serving.map(Release::version).orElse(null), text);
    }

    static String names(List<ObservedState.Difference> diffs) {
        return diffs.stream().map(ObservedState.Difference::field).collect(Collectors.joining(", "));
    }

    static long millis(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0).toMillis();
    }

    static Duration since(Instant started, java.time.Clock clock) {
        return Duration.between(started, clock.instant());
    }
}
