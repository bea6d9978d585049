package dev.deployguard.server.incident;

import dev.deployguard.rollout.RolloutKind;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.incident.Incident;
import dev.deployguard.rollout.Rollout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report as a pure view: simulated events in, Markdown with measured key times and periods out. */
class IncidentReportTest {
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    final List<Event> events = new ArrayList<>();

    private Event add(double seconds, Integer revision, String actor, String kind, String message,
                      Map<String, Object> data) {
        Event e = new Event(events.size() + 1, T0.plusMillis((long) (seconds * 1000)), "web", revision, actor, kind,
                message, data);
        events.add(e);
        return e;
    }

    /** A second of traffic: [start, track, revision, requests, errors, latencySumMicros, p99Micros]. */
    private static List<Object> window(double seconds, String track, int revision, long requests, long errors) {
        return List.of(T0.plusMillis((long) (seconds * 1000)).toEpochMilli(), track, revision, requests, errors,
                requests * 2000, 5000L);
    }

    @Test
    void keyTimesAndImpactComeFromTheEvents() {
        add(-60, 1, "alice", EventKinds.DEPLOY_SUCCEEDED, "revision 1 (v1) is serving", Map.of());
        add(0, 2, "alice", EventKinds.ROLLOUT_STARTED, "canary rollout of v2", Map.of("rollout", 7));
        add(4.25, 2, "system", EventKinds.ANALYSIS_VERDICT, "FAIL: sequential FAIL after 4s: error-rate ratio"
                + " canary/stable 9.000 (canary 30 errors in 150 requests, stable 10 in 850)", Map.of());
        add(4.26, 2, "system", EventKinds.ROLLBACK_AUTOMATIC, "all traffic back on revision 1 in 3 ms",
                Map.of("switchMillis", 3, "from", 2, "to", 1));
        add(5, 2, "system", EventKinds.INCIDENT_OPENED, "incident 1 (SEV2) opened", Map.of("incident", 1));
        add(5.1, 2, "system", EventKinds.INCIDENT_TRAFFIC, "router traffic kept", Map.of("incident", 1, "windows",
                List.of(window(-3, "stable", 1, 100, 0), window(-2, "stable", 1, 100, 1),
                        window(1, "stable", 1, 80, 2), window(2, "stable", 1, 80, 0),
                        window(1, "canary", 2, 20, 4), window(2, "canary", 2, 20, 4),
                        window(6, "stable", 1, 100, 0))));
        add(65.5, 2, "bob", EventKinds.INCIDENT_CLOSED, "incident 1 closed", Map.of("incident", 1));
        add(70, null, "system", EventKinds.CONTROL_PLANE_STARTED, "later, not in the timeline", Map.of());
        var rollout = new Rollout(7, "web", RolloutKind.CANARY, 1, 2, Rollout.Phase.ROLLED_BACK, 1, 0, T0, T0, null, "FAIL",
                "analysis failed");
        var incident = new Incident(1, "web", "Automatic rollback of revision 2", "SEV2", T0.plusSeconds(5), "system",
                7L, 2, T0.plusMillis(65_400), "bob", "v2 withdrawn");

        String md = new IncidentReport(incident, rollout, List.of(new Incident.Note(1, T0.plusSeconds(30), "bob",
                "looking")), events.subList(0, 7), T0.plusSeconds(100)).markdown();

        assertThat(md).contains("| Time to detect | 4.250 s | `analysis.verdict` at 10:00:04.250 UTC |",
                "| Time to roll back | 4.260 s | `rollback.automatic` at 10:00:04.260 UTC (router switch 3 ms) |",
                "| Time to resolve | 65.500 s | `incident.closed` at 10:00:05.500 UTC |".replace("10:00:05.500",
                        "10:01:05.500"),
                "Requests affected: 40 requests served by revision 2, 8 of them errors (20.00%), mean latency 2.0 ms",
                "| before | 09:59:57.000 | 10:00:00.000 | 200 | 1 | 0.50% | 2.0 ms | 5.0 ms |",
                "| during | 10:00:00.000 | 10:00:04.260 | 200 | 10 | 5.00% | 2.0 ms | 5.0 ms |",
                "| after | 10:00:04.260 | 10:01:05.400 | 100 | 0 | 0.00% | 2.0 ms | 5.0 ms |",
                "| 09:59:00.000 | -60.000 s | alice | deploy.succeeded | 1 |",
                "| 10:00:04.260 | +4.260 s | system | rollback.automatic | 2 |",
                "Date | 2026-11-26", "2026-11-26 10:00:30 UTC, bob: looking", "- [ ] Test coverage added");
        assertThat(md).doesNotContain("later, not in the timeline");
    }

    @Test
    void aGitOpsOwnedAppNamesItsOwnerThePauseAndTheFights() {
        add(0, 2, "alice", EventKinds.INCIDENT_OPENED, "incident 2 (SEV2) opened", Map.of("incident", 2));
        add(10, null, "alice", EventKinds.GITOPS_PAUSED, "paused Argo CD Application argocd/shop before rolling"
                + " back: spec.syncPolicy.automated.enabled set to false", Map.of("owner",
                "Argo CD Application argocd/shop", "how", "spec.syncPolicy.automated.enabled set to false"));
        add(12, 3, "alice", EventKinds.ROLLBACK_SUCCEEDED, "rolled out revision 3", Map.of());
        add(20, null, "alice", EventKinds.GITOPS_FIGHT, "image changed back", Map.of("owner",
                "Argo CD Application argocd/shop", "field", "image"));
        var incident = new Incident(2, "web", "5xx after v2", "SEV2", T0, "alice", null, 2, null, null, null);

        String md = new IncidentReport(incident, null, List.of(), events, T0.plusSeconds(60)).markdown();

        assertThat(md).contains("| GitOps | Argo CD Application argocd/shop; paused by DeployGuard at 2026-11-26"
                + " 10:00:10 UTC (resume it once git deploys the good revision); 1 fight(s): the controller changed"
                + " back what DeployGuard set |", "| +20.000 s | alice | gitops.fight |");
    }

    @Test
    void aPlainAppHasNoGitOpsRow() {
        var incident = new Incident(3, "web", "users see 502", "SEV1", T0, "alice", null, null, null, null, null);
        assertThat(new IncidentReport(incident, null, List.of(), List.of(), T0.plusSeconds(9)).markdown())
                .doesNotContain("| GitOps |");
    }

    @Test
    void anIncidentWithoutRolloutOrEventsSaysWhatIsNotMeasured() {
        var incident = new Incident(3, "web", "users see 502", "SEV1", T0, "alice", null, null, null, null, null);
        String md = new IncidentReport(incident, null, List.of(), List.of(), T0.plusSeconds(90)).markdown();
        assertThat(md).contains("| Status | OPEN (report as of 2026-11-26 10:01:30 UTC) |",
                "| Time to detect | 0.000 s | incident opened at 10:00:00.000 UTC |",
                "| Time to roll back | not measured | no such event yet |",
                "| Duration | 90.000 s (impact start to now) |",
                "No router traffic was recorded", "_No notes were added");
        assertThat(md.lines().filter(l -> l.startsWith("- [ ] "))).hasSize(IncidentReport.CHECKLIST.size());
    }

    @Test
    void theReportNamesTheLastVerifiedBackupBeforeTheImpactAndRestoresDuringIt() {
        add(0, 2, "alice", EventKinds.ROLLOUT_STARTED, "canary rollout of v2", Map.of("rollout", 7));
        add(5, 2, "system", EventKinds.INCIDENT_OPENED, "incident 1 (SEV2) opened", Map.of("incident", 1));
        var incident = new Incident(1, "web", "Bad canary", "SEV2", T0.plusSeconds(5), "system", 7L, 2, null, null,
                null);
        var rollout = new Rollout(7, "web", RolloutKind.CANARY, 1, 2, Rollout.Phase.ROLLED_BACK, 1, 0, T0, T0, null,
                "FAIL", "analysis failed");
        List<Event> backups = List.of(
                new Event(90, T0.minusSeconds(7200), null, null, "cron", EventKinds.BACKUP_CREATED,
                        "backup b-old completed and verified", Map.of("backup", "b-old")),
                new Event(91, T0.minusSeconds(600), null, null, "cron", EventKinds.BACKUP_CREATED,
                        "backup b-new completed and verified", Map.of("backup", "b-new")),
                new Event(92, T0.plusSeconds(2), null, null, "cron", EventKinds.BACKUP_CREATED,
                        "backup b-after completed and verified", Map.of("backup", "b-after")),
                new Event(93, T0.plusSeconds(40), null, null, "carol", EventKinds.BACKUP_RESTORED,
                        "state restored from backup b-new", Map.of("backup", "b-new")));

        String md = new IncidentReport(incident, rollout, List.of(), events, T0.plusSeconds(100))
                .withBackups(backups).markdown();

        assertThat(md).contains("## Backups", "Last verified backup before the impact: `b-new`, 2026-11-26 09:50:00"
                + " UTC", "Restored at 2026-11-26 10:00:40 UTC by carol from `b-new` (store, taken 2026-11-26 09:50:00 UTC):"
                + " state restored from backup b-new")
                .doesNotContain("b-after`");
        String none = new IncidentReport(incident, rollout, List.of(), events, T0.plusSeconds(100)).markdown();
        assertThat(none).contains("none recorded (deployguard backup create)",
                "No restore from a backup during the incident.");
    }

    @Test
    void etcdAndNamespaceBackupsAreNamedAndARestoreLinksTheBackupItUsed() {
        add(5, 2, "system", EventKinds.INCIDENT_OPENED, "incident 1 (SEV2) opened", Map.of("incident", 1));
        var incident = new Incident(1, "web", "Lost objects", "SEV1", T0.plusSeconds(5), "system", null, null, null,
                null, null);
        var snap = new dev.deployguard.event.BackupEvent("etcd", "create", "20261126T0930Z-1", true,
                "https://root:s3cret@10.0.0.5:2379/?token=x", "revision 812, 1,204 keys, hashkv equal", 420);
        var failed = new dev.deployguard.event.BackupEvent("namespace", "create", "shop-late.tar.gz", false, "shop",
                "scratch restore of 9 objects differs: configmaps cfg: data.key differs", 80);
        var ns = new dev.deployguard.event.BackupEvent("namespace", "create", "shop-0940.tar.gz", true, "shop",
                "10 objects; scratch restore of 9 objects equal", 75);
        var restored = new dev.deployguard.event.BackupEvent("namespace", "restore", "shop-0940.tar.gz", true,
                "shop", "created 10, overwrote 0, skipped 0", 300);
        List<Event> backups = List.of(at(1, T0.minusSeconds(1800), snap), at(2, T0.minusSeconds(1200), ns),
                at(3, T0.minusSeconds(60), failed), at(4, T0.plusSeconds(30), restored));

        String md = new IncidentReport(incident, null, List.of(), events, T0.plusSeconds(100))
                .withBackups(backups).markdown();

        assertThat(md).contains("- Last verified backup before the impact: none recorded",
                "- Last verified etcd snapshot before the impact: `20261126T0930Z-1`, 2026-11-26 09:30:00 UTC — etcd"
                        + " snapshot 20261126T0930Z-1 completed and verified of https://10.0.0.5:2379/: revision 812",
                "- Last verified namespace backup before the impact: `shop-0940.tar.gz`, 2026-11-26 09:40:00 UTC",
                "- Restored at 2026-11-26 10:00:30 UTC by carol from `shop-0940.tar.gz` (namespace, taken 2026-11-26"
                        + " 09:40:00 UTC): namespace backup shop-0940.tar.gz restored into shop: created 10")
                .doesNotContain("s3cret", "token=x", "`shop-late.tar.gz`");
    }

    private static Event at(long id, java.time.Instant when, dev.deployguard.event.BackupEvent b) {
        return new Event(id, when, null, null, b.action().equals("restore") ? "carol" : "cron", b.kind(), b.message(),
                b.data());
    }
}
