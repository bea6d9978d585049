package dev.deployguard.server.drill;

import dev.deployguard.release.Release;
import dev.deployguard.server.deploy.EventLog;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rollback drill's script, one for every platform: deploy the baseline (or keep it when it serves), record its
 * state, deploy the candidate and show it serves, roll back to the baseline's revision, and compare the state field
 * by field. What a platform does for each step — deploy, roll back, read its state, judge whether it serves — is
 * its {@link Target}; the steps, their order, their events and the report are the same everywhere.
 */
final class DrillScript {
    /** What a drill does on one platform, through the same code {@code deploy} and {@code rollback} use. */
    interface Target {
        /** The release serving now, if any. */
        Optional<Release> serving();

        /**
         * The serving release when the drill may keep it as its baseline as it stands; empty makes the drill deploy
         * the baseline (a Kubernetes blue/green app not yet moved into its slots: its deploy moves it).
         */
        default Optional<Release> baselineServing() {
            return serving();
        }

        /**
         * Deploys a version and returns once it serves (a progressive rollout promoted to its end); throws
         * {@link DrillSteps.Failed} when it does not.
         */
        Release deploy(String version, String cause);

        /** Rolls back to a revision; the outcome in one line. */
        String rollback(Release to, String cause);

        /** The platform's observable state now. */
        ObservedState observe();

        /** Null when the state serves (every instance or replica ready, every probe answered); else what is wrong. */
        String serves(ObservedState s);

        /** One line on a recorded state, for the step's detail. */
        String describe(ObservedState s);

        /** Said after the comparison, e.g. why probes were not made. */
        default String note() {
            return "";
        }
    }

    private final Target target;
    private final EventLog events;
    private final Clock clock;
    private final String app;
    private final String baseline;
    private final String candidate;
    private final String actor;
    private final DrillSteps steps;
    private final Instant started;

    DrillScript(Target target, EventLog events, Clock clock, String app, String baseline, String candidate,
                String actor) {
        this.target = target;
        this.events = events;
        this.clock = clock;
        this.app = app;
        this.baseline = baseline;
        this.candidate = candidate;
        this.actor = actor;
        this.started = clock.instant();
        this.steps = new DrillSteps(events, app, actor, this::describe);
    }

    DrillReport run() {
        Release base = steps.run("deploy baseline", () -> {
            Optional<Release> serving = target.baselineServing();
            return serving.isPresent() && serving.get().version().equals(baseline) ? serving.get()
                    : deployed(baseline, "drill: baseline ");
        });
        if (base == null) {
            return finish(null, null, List.of(), "the baseline " + baseline + " could not be brought up");
        }
        ObservedState before = steps.run("record baseline", () -> {
            ObservedState s = target.observe();
            String bad = target.serves(s);
            if (bad != null) {
                throw new DrillSteps.Failed("the baseline does not serve: " + bad);
            }
            return s;
        });
        if (before == null) {
            return finish(null, null, List.of(), "the baseline " + baseline + " does not serve");
        }
        Release cand = steps.run("deploy candidate", () -> deployed(candidate, "drill: candidate "));
        boolean candidateServes = false;
        if (cand != null) {
            candidateServes = steps.run("verify candidate", () -> {
                ObservedState s = target.observe();
                String bad = target.serves(s);
                String version = s.fields().get(ObservedState.VERSION);
                if (!candidate.equals(version)) {
                    bad = "serving " + version + ", not " + candidate;
                }
                if (bad != null) {
                    throw new DrillSteps.Failed("the candidate does not serve: " + bad);
                }
                return "serving: " + target.describe(s);
            }) != null;
            steps.run("roll back", () -> target.rollback(base, "drill: back to " + baseline));
        } else {
            steps.skip("verify candidate", "the candidate was never deployed");
            steps.skip("roll back", "the app never left the baseline");
        }
        long t0 = System.nanoTime();
        ObservedState after = target.observe();
        List<ObservedState.Difference> diffs = before.differencesTo(after);
        steps.add(new DrillReport.Step("verify restored", diffs.isEmpty() ? DrillReport.Outcome.PASS
                : DrillReport.Outcome.FAIL, DrillEvents.millis(t0), diffs.isEmpty() ? "every field equals the baseline ("
                + before.fields().size() + " fields)" + target.note() : diffs.size() + " field(s) differ: "
                + DrillEvents.names(diffs)));
        String summary = diffs.isEmpty() ? (candidateServes ? "the app returned to its baseline"
                : "the app is on its baseline, but the candidate step failed")
                : "the rollback did not restore the baseline: " + DrillEvents.names(diffs) + " differ";
        return finish(before, after, diffs, summary);
    }

    private Release deployed(String version, String cause) {
        Release r = target.deploy(version, cause + version);
        if (r == null || !version.equals(r.version())) {
            throw new DrillSteps.Failed("after the deploy the app serves " + (r == null ? "nothing" : r.version())
                    + ", not " + version);
        }
        return r;
    }

    private String describe(Object result) {
        if (result instanceof Release r) {
            return "revision " + r.revision() + " (" + r.version() + ") serving";
        }
        if (result instanceof ObservedState s) {
            return s.fields().size() + " fields recorded; " + target.describe(s) + target.note();
        }
        return result instanceof String text ? text : "ok";
    }

    private DrillReport finish(ObservedState before, ObservedState after, List<ObservedState.Difference> diffs,
                               String summary) {
        Optional<Release> serving;
        try {
            serving = target.serving();
        } catch (RuntimeException e) {
            // The report still ends (and says what it knows) when the platform cannot be read at the very end.
            serving = Optional.empty();
        }
        return DrillEvents.finish(events, app, actor, baseline, candidate, steps.all(),
                DrillEvents.since(started, clock), serving, before, after, diffs, summary);
    }
}
