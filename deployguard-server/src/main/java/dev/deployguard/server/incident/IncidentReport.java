package dev.deployguard.server.incident;

import dev.deployguard.analysis.TrackKind;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.incident.Incident;
import dev.deployguard.rollout.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The post-incident report of one incident, in Markdown: a pure view over the incident, its notes and the app's
 * events around it. Key times are measured between events: impact start (the linked rollout's start, else the
 * incident's opening), detection (the first failing verdict, else the automatic rollback, else the opening), traffic
 * back on the good release (the first rollback after the start) and resolution (the closing).
 */
final class IncidentReport {
    /** How far before the start the timeline reaches back. */
    static final Duration LOOK_BEHIND = Duration.ofMinutes(5);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    static final List<String> CHECKLIST = List.of(
            "Root cause identified and confirmed with evidence",
            "Preventability assessed: could a check, test or analysis have stopped it earlier?",
            "Timeline reviewed and complete (nothing missing between the events above)",
            "Logs preserved (deployguard logs APP --revision N, before instances are cleaned up)",
            "Fix shipped and verified in production",
            "Test coverage added for this failure",
            "Runbook updated",
            "Debrief held with everyone involved",
            "Monitoring and alerting adjusted (would we see it sooner next time?)",
            "Documentation updated");

    private final Incident incident;
    private final Rollout rollout;
    private final List<Incident.Note> notes;
    private final List<Event> events;
    private final Instant now;
    private List<Event> backups = List.of();

    IncidentReport(Incident incident, Rollout rollout, List<Incident.Note> notes, List<Event> events, Instant now) {
        this.incident = incident;
        this.rollout = rollout;
        this.notes = notes;
        this.events = events;
        this.now = now;
    }

    /**
     * The control plane's backup events ({@code backup.*}, oldest first), so the report names the last verified
     * backup before the impact and any restore during the incident.
     */
    IncidentReport withBackups(List<Event> backupEvents) {
        this.backups = List.copyOf(backupEvents);
        return this;
    }

    /** One measured moment: when, and the event it was read from. */
    record Moment(Instant at, Event event) {
    }

    Moment impactStart() {
        if (rollout != null) {
            Optional<Event> started = first(e -> e.kind().equals(EventKinds.ROLLOUT_STARTED)
                    && (number(e, "rollout") == rollout.id() || eq(e.revision(), rollout.canaryRevision())));
            if (started.isPresent()) {
                return new Moment(started.get().at(), started.get());
            }
        }
        return opened();
    }

    Moment opened() {
        return first(e -> e.kind().equals(EventKinds.INCIDENT_OPENED) && number(e, "incident") == incident.id())
                .map(e -> new Moment(e.at(), e)).orElse(new Moment(incident.openedAt(), null));
    }

    Optional<Moment> detected() {
        Instant start = impactStart().at();
        return first(e -> !e.at().isBefore(start) && e.kind().equals(EventKinds.ANALYSIS_VERDICT)
                && e.message().startsWith("FAIL") && (incident.revision() == null
                || eq(e.revision(), incident.revision())))
                .or(() -> first(e -> !e.at().isBefore(start) && e.kind().equals(EventKinds.ROLLBACK_AUTOMATIC)))
                .map(e -> new Moment(e.at(), e)).or(() -> Optional.of(opened()));
    }

    Optional<Moment> rolledBack() {
        Instant start = impactStart().at();
        return first(e -> !e.at().isBefore(start) && (e.kind().equals(EventKinds.ROLLBACK_AUTOMATIC)
                || e.kind().equals(EventKinds.ROLLBACK_SUCCEEDED))).map(e -> new Moment(e.at(), e));
    }

    Optional<Moment> resolved() {
        return first(e -> e.kind().equals(EventKinds.INCIDENT_CLOSED) && number(e, "incident") == incident.id())
                .map(e -> new Moment(e.at(), e));
    }

    String markdown() {
        var md = new StringBuilder();
        Moment start = impactStart();
        md.append("# Post-incident report: ").append(incident.title()).append("\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Incident", "#" + incident.id() + " (" + incident.severity() + "), app `" + incident.app() + "`");
        row(md, "Date", DATE_TIME.format(start.at()).substring(0, 10));
        row(md, "Status", incident.isOpen() ? "OPEN (report as of " + DATE_TIME.format(now) + ")" : "closed");
        row(md, "Opened", DATE_TIME.format(incident.openedAt()) + " by " + incident.openedBy());
        row(md, "Closed", incident.isOpen() ? "not yet" : DATE_TIME.format(incident.closedAt()) + " by "
                + incident.closedBy() + (incident.resolution() == null ? "" : ": " + incident.resolution()));
        Instant end = incident.closedAt() != null ? incident.closedAt() : now;
        row(md, "Duration", seconds(Duration.between(start.at(), end)) + " (impact start to "
                + (incident.isOpen() ? "now" : "resolution") + ")");
        if (rollout != null) {
            row(md, "Rollout", "#" + rollout.id() + ": " + rollout.kind().words() + " rollout of revision " + rollout.canaryRevision()
                    + " beside revision " + rollout.stableRevision() + ", ended " + rollout.phase()
                    + (rollout.outcome() == null ? "" : " (" + rollout.outcome() + ")"));
        }
        gitops(md);
        keyTimes(md, start);
        impact(md, start);
        timeline(md, start);
        backups(md, start);
        md.append("\n## Notes\n\n");
        if (notes.isEmpty()) {
            md.append("_No notes were added (deployguard incident note ").append(incident.id())
                    .append(" \"...\")._\n");
        }
        for (Incident.Note n : notes) {
            md.append("- ").append(DATE_TIME.format(n.at())).append(", ").append(n.actor()).append(": ")
                    .append(n.text().replace("\n", " ")).append('\n');
        }
        for (String section : List.of("Root cause", "Fix", "Prevention")) {
            md.append("\n## ").append(section).append("\n\n_To be filled in by the people who handled the incident._\n");
        }
        md.append("\n## Review checklist\n\n");
        CHECKLIST.forEach(c -> md.append("- [ ] ").append(c).append('\n'));
        return md.toString();
    }

    private void keyTimes(StringBuilder md, Moment start) {
        md.append("\n## Key times\n\nMeasured between recorded events; impact start is ")
                .append(start.event() == null ? "the incident's opening" : "`" + start.event().kind() + "` at "
                        + TIME.format(start.at()) + " UTC").append(".\n\n");
        md.append("| Measure | Value | Until |\n|---|---|---|\n");
        keyTime(md, "Time to detect", start, detected(), "");
        Optional<Moment> back = rolledBack();
        String switchMs = back.map(m -> m.event().data().get("switchMillis")).map(v -> " (router switch " + v
                + " ms)").orElse("");
        keyTime(md, "Time to roll back", start, back, switchMs);
        keyTime(md, "Time to resolve", start, resolved(), "");
    }

    private static void keyTime(StringBuilder md, String name, Moment start, Optional<Moment> to, String extra) {
        if (to.isEmpty()) {
            md.append("| ").append(name).append(" | not measured | no such event yet |\n");
            return;
        }
        Moment m = to.get();
        md.append("| ").append(name).append(" | ").append(seconds(Duration.between(start.at(), m.at())))
                .append(" | ").append(m.event() == null ? "incident opened" : "`" + m.event().kind() + "`")
                .append(" at ").append(TIME.format(m.at())).append(" UTC").append(extra).append(" |\n");
    }

    private void impact(StringBuilder md, Moment start) {
        md.append("\n## Impact\n\n");
        Optional<Event> verdict = detected().map(Moment::event).filter(e -> e != null
                && e.kind().equals(EventKinds.ANALYSIS_VERDICT));
        if (verdict.isPresent()) {
            md.append("Analysis evidence at detection: ").append(verdict.get().message().replace("\n", " "))
                    .append("\n\n");
        } else {
            md.append("No failing analysis verdict was recorded for this incident.\n\n");
        }
        Instant back = rolledBack().map(Moment::at).orElse(null);
        Instant end = incident.closedAt() != null ? incident.closedAt() : now;
        List<List<?>> rows = new ArrayList<>();
        for (Event e : events) {
            if (e.kind().equals(EventKinds.INCIDENT_TRAFFIC) && number(e, "incident") == incident.id()
                    && e.data().get("windows") instanceof List<?> ws) {
                ws.forEach(w -> rows.add((List<?>) w));
            }
        }
        if (rows.isEmpty()) {
            md.append("No router traffic was recorded for this incident (the app has no router, or it did not"
                    + " answer when the incident opened and closed).\n");
            return;
        }
        Collection<TrafficWindows.Window> windows = TrafficWindows.merge(rows);
        if (incident.revision() != null) {
            TrafficWindows.Totals bad = TrafficWindows.Totals.NONE;
            for (TrafficWindows.Window w : windows) {
                if (w.revision() == incident.revision() && !w.track().equals(TrackKind.STABLE.trackName())) {
                    bad = bad.plus(w);
                }
            }
            md.append(String.format(Locale.ROOT, "Requests affected: %d requests served by revision %d, %d of them"
                    + " errors (%.2f%%), mean latency %.1f ms (router windows sampled every second during the"
                    + " rollout; the last second before the rollback may be missing).%n%n", bad.requests(),
                    incident.revision(), bad.errors(), bad.errorRate() * 100, bad.meanLatencyMillis()));
        }
        md.append("Traffic at the router, per period (one-second windows of the tracks the router still knew when"
                + " the incident opened and closed; a rolled-back revision's own track is in the evidence above):\n\n");
        md.append("| Period | From | To | Requests | Errors | Error rate | Mean latency | Worst 1 s p99 |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        period(md, "before", null, start.at(), windows);
        period(md, "during", start.at(), back != null ? back : end, windows);
        if (back != null) {
            period(md, "after", back, end, windows);
        }
    }

    private static void period(StringBuilder md, String name, Instant from, Instant to,
                               Collection<TrafficWindows.Window> windows) {
        TrafficWindows.Totals t = TrafficWindows.Totals.NONE;
        long first = Long.MAX_VALUE;
        for (TrafficWindows.Window w : windows) {
            boolean in = (from == null || w.startMs() >= from.toEpochMilli()) && w.startMs() < to.toEpochMilli();
            if (in) {
                t = t.plus(w);
                first = Math.min(first, w.startMs());
            }
        }
        String fromText = from != null ? TIME.format(from) : first == Long.MAX_VALUE ? "-"
                : TIME.format(Instant.ofEpochMilli(first));
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %.2f%% | %.1f ms | %.1f ms |%n", name,
                fromText, TIME.format(to), t.requests(), t.errors(), t.errorRate() * 100, t.meanLatencyMillis(),
                t.worstP99Micros() / 1000.0));
    }

    private void timeline(StringBuilder md, Moment start) {
        md.append("\n## Timeline\n\nAll events of `").append(incident.app()).append("` from ")
                .append(LOOK_BEHIND.toMinutes()).append(" min before the impact start until the incident ")
                .append(incident.isOpen() ? "report" : "closed").append(" (UTC).\n\n");
        md.append("| Time | T+ | Actor | Event | Revision | What happened |\n|---|---|---|---|---|---|\n");
        for (Event e : events) {
            long ms = Duration.between(start.at(), e.at()).toMillis();
            md.append("| ").append(TIME.format(e.at())).append(" | ")
                    .append(String.format(Locale.ROOT, "%+.3f s", ms / 1000.0)).append(" | ").append(cell(e.actor()))
                    .append(" | ").append(e.kind()).append(" | ").append(e.revision() == null ? "" : e.revision())
                    .append(" | ").append(cell(e.message().lines().findFirst().orElse(""))).append(" |\n");
        }
    }

    /** A duration in seconds with milliseconds, as the key times print it. */
    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f s", d.toMillis() / 1000.0);
    }

    /**
     * Per kind of backup (the store, etcd, a namespace), the last verified one before the impact; then each restore
     * made while the incident lasted, linked to the backup it used (its id or file, and when that was taken).
     */
    private void backups(StringBuilder md, Moment start) {
        Instant end = incident.closedAt() != null ? incident.closedAt() : now;
        List<Event> restores = backups.stream().filter(e -> e.kind().equals(EventKinds.BACKUP_RESTORED)
                && !e.at().isBefore(start.at()) && !e.at().isAfter(end)).toList();
        md.append("\n## Backups\n\n");
        md.append("- Last verified backup before the impact: ").append(lastVerified("store", start)
                .map(IncidentReport::backupLine).orElse("none recorded (deployguard backup create)")).append('\n');
        for (String target : List.of("etcd", "namespace")) {
            lastVerified(target, start).ifPresent(e -> md.append("- Last verified ").append(target.equals("etcd")
                    ? "etcd snapshot" : "namespace backup").append(" before the impact: ").append(backupLine(e))
                    .append('\n'));
        }
        if (restores.isEmpty()) {
            md.append("- No restore from a backup during the incident.\n");
        }
        for (Event e : restores) {
            Object used = e.data().getOrDefault("backup", "?");
            Optional<Event> taken = backups.stream().filter(b -> b.kind().equals(EventKinds.BACKUP_CREATED)
                    && target(b).equals(target(e)) && used.equals(b.data().get("backup"))).findFirst();
            md.append("- Restored at ").append(DATE_TIME.format(e.at())).append(" by ").append(e.actor())
                    .append(" from `").append(used).append("` (").append(target(e)).append(taken.map(b -> ", taken "
                    + DATE_TIME.format(b.at())).orElse(", not taken through DeployGuard's event log"))
                    .append("): ").append(e.message()).append('\n');
        }
    }

    /** A {@code backup.created}, or a {@code backup.verified} that passed, of this kind at or before the start. */
    private Optional<Event> lastVerified(String target, Moment start) {
        return backups.stream().filter(e -> (e.kind().equals(EventKinds.BACKUP_CREATED)
                || e.kind().equals(EventKinds.BACKUP_VERIFIED) && "COMPLETED".equals(e.data().get("status")))
                && target(e).equals(target) && !e.at().isAfter(start.at())).reduce((a, b) -> b);
    }

    private static String target(Event e) {
        return String.valueOf(e.data().getOrDefault("target", "store"));
    }

    private static String backupLine(Event e) {
        return "`" + e.data().getOrDefault("backup", "?") + "`, " + DATE_TIME.format(e.at()) + " — " + e.message();
    }

    /** For an app that Argo CD or Flux owns: who, whether DeployGuard paused it, and whether they fought. */
    private void gitops(StringBuilder md) {
        List<Event> g = events.stream().filter(e -> e.kind().startsWith("gitops.")).toList();
        if (g.isEmpty()) {
            return;
        }
        String owner = g.stream().map(e -> e.data().get("owner")).filter(o -> o != null).map(Object::toString)
                .findFirst().orElse("a GitOps controller");
        Optional<Event> paused = g.stream().filter(e -> e.kind().equals(EventKinds.GITOPS_PAUSED)).findFirst();
        long fights = g.stream().filter(e -> e.kind().equals(EventKinds.GITOPS_FIGHT)).count();
        row(md, "GitOps", owner + paused.map(e -> "; paused by DeployGuard at " + DATE_TIME.format(e.at())
                + " (resume it once git deploys the good revision)").orElse("") + (fights == 0 ? ""
                : "; " + fights + " fight(s): the controller changed back what DeployGuard set"));
    }

    private Optional<Event> first(Predicate<Event> p) {
        return events.stream().filter(p).findFirst();
    }

    private static long number(Event e, String key) {
        return e.data().get(key) instanceof Number n ? n.longValue() : -1;
    }

    private static boolean eq(Integer a, int b) {
        return a != null && a == b;
    }

    private static String cell(String s) {
        String t = s.replace("|", "\\|");
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    private static void row(StringBuilder md, String k, String v) {
        md.append("| ").append(k).append(" | ").append(cell(v)).append(" |\n");
    }
}
