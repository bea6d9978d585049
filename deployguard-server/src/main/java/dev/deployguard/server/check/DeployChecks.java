package dev.deployguard.server.check;

import dev.deployguard.check.CheckResult;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.check.ChecklistTable;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.metrics.MetricProbe;
import dev.deployguard.spec.AppSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checklist as the first step of {@code deploy}: runs it and lets the deploy go ahead only when it is READY;
 * otherwise refuses with the blocking checks' evidence and remedies, before anything is recorded or started.
 * {@code --skip-checks} bypasses it, and who did so is recorded. Every outcome is an event.
 */
public final class DeployChecks {
    private final ChecklistFactory checklists;
    private final EventLog events;
    /** Custom metrics queried once before the deploy: an answer their conditions cannot read is a spec error. */
    private final MetricProbe metrics = MetricProbe.overHttp(Duration.ofSeconds(5));

    public DeployChecks(ChecklistFactory checklists, EventLog events) {
        this.checklists = checklists;
        this.events = events;
    }

    public ChecklistFactory checklists() {
        return checklists;
    }

    /**
     * Returns when the deploy may go ahead; throws (exit code 2) on a spec error its custom metrics' first answers
     * show (not skippable: the spec is wrong), and (exit code 1) when the checklist is not ready.
     */
    public void admit(AppSpec app, String version, boolean skip, String actor) {
        List<String> specErrors = metrics.problems(app, Instant.now());
        if (!specErrors.isEmpty()) {
            throw DeployGuardException.badInput("deploy of " + app.name() + " " + version + " refused: the spec's"
                    + " metrics cannot be judged as written; nothing was started\n"
                    + String.join("\n", specErrors).indent(2).stripTrailing());
        }
        if (skip) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("version", version);
            data.put("skippedBy", actor);
            events.record(app.name(), null, actor, EventKinds.CHECKS_SKIPPED, "pre-deployment checks skipped by "
                    + actor + " for " + version + " (--skip-checks)", data);
            return;
        }
        ChecklistReport report = checklists.run(app, version);
        Map<String, Object> data = data(report);
        if (report.ready()) {
            events.record(app.name(), null, actor, EventKinds.CHECKS_PASSED, ChecklistTable.summary(report), data);
            return;
        }
        String blocking = report.blockingSummary();
        events.record(app.name(), null, actor, EventKinds.CHECKS_FAILED, ChecklistTable.summary(report) + "\n"
                + blocking, data);
        throw new DeployGuardException(ExitCode.FAILURE, "deploy of " + app.name() + " " + version
                + " refused: the pre-deployment checklist is NOT READY; nothing was started\n"
                + blocking.indent(2) + "see every check with: deployguard check " + app.name() + " --version "
                + version + "; deploy anyway with --skip-checks (recorded with your name)");
    }

    private static Map<String, Object> data(ChecklistReport report) {
        Map<String, Object> statuses = new LinkedHashMap<>();
        for (CheckResult r : report.results()) {
            statuses.put(r.name(), r.status().name());
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("version", report.version());
        data.put("verdict", report.verdict().name());
        data.put("tookMs", report.took().toMillis());
        data.put("checks", statuses);
        return data;
    }
}
