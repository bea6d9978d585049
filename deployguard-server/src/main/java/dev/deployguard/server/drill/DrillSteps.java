package dev.deployguard.server.drill;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.server.deploy.EventLog;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The steps of one drill, local or on Kubernetes, in order: each timed, recorded as an event as it ends, and a
 * step that throws {@link DeployGuardException} (a command refused) or {@link Failed} (the drill found something
 * wrong) is a FAIL, not an abort of the drill.
 */
final class DrillSteps {
    private final EventLog events;
    private final String app;
    private final String actor;
    private final Function<Object, String> describe;
    private final List<DrillReport.Step> steps = new ArrayList<>();

    /** @param describe the detail of a passed step from what it returned */
    DrillSteps(EventLog events, String app, String actor, Function<Object, String> describe) {
        this.events = events;
        this.app = app;
        this.actor = actor;
        this.describe = describe;
    }

    /** Runs one step; its result, or null when it failed. */
    <T> T run(String name, Supplier<T> work) {
        long t0 = System.nanoTime();
        DrillReport.Step s;
        T result = null;
        try {
            result = work.get();
            s = new DrillReport.Step(name, DrillReport.Outcome.PASS, DrillEvents.millis(t0), describe.apply(result));
        } catch (DeployGuardException | Failed e) {
            s = new DrillReport.Step(name, DrillReport.Outcome.FAIL, DrillEvents.millis(t0), e.getMessage());
        }
        add(s);
        return result;
    }

    void skip(String name, String why) {
        add(new DrillReport.Step(name, DrillReport.Outcome.SKIPPED, 0, why));
    }

    /** A step timed by the caller. */
    void add(DrillReport.Step s) {
        steps.add(s);
        DrillEvents.step(events, app, actor, s);
    }

    List<DrillReport.Step> all() {
        return steps;
    }

    /** A step that found something wrong (as opposed to a deploy that refused). */
    static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            super(message);
        }

        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
