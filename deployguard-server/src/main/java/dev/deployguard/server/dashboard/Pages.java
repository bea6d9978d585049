package dev.deployguard.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.request.Principal;
import dev.deployguard.server.request.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The three pages (apps, one app, one rollout) and the live parts inside them. A live part is a {@code div} with an
 * id whose whole content the event stream replaces when it changes; the same method renders it for the first
 * page and for every update.
 */
final class Pages {
    private final ControlPlane cp;
    private final ApiReads api;
    private final RolloutSeries series;
    private final MetricSeries metrics;

    Pages(ControlPlane cp, ApiReads api, RolloutSeries series) {
        this.cp = cp;
        this.api = api;
        this.series = series;
        this.metrics = new MetricSeries(cp.store());
    }

    // ---- whole pages -------------------------------------------------------------------------------------------

    String apps(Principal who, String csrf) {
        Html h = head("Apps", "apps", null, who, csrf);
        h.raw("<h1>Apps</h1>").raw(live("apps", appsTable()));
        return foot(h);
    }

    String app(String app, Principal who, String csrf) {
        api.get("/api/apps/" + app + "/status", Map.of()); // unknown app: not found, before anything is drawn
        Html h = head(app, "app", app, who, csrf);
        h.raw("<nav><a href=\"/ui/\">Apps</a> › </nav><h1>").text(app).raw("</h1>");
        h.raw(live("app-state", appState(app)));
        h.raw("<h2>History</h2>").raw(live("history", history(app, canAct(who))));
        h.raw("<h2>Incidents</h2>").raw(live("incidents", incidents(app)));
        h.raw("<h2>Events</h2>").raw(live("events", events(app)));
        return foot(h);
    }

    String rollout(String app, Principal who, String csrf) {
        api.get("/api/apps/" + app + "/status", Map.of());
        Optional<Rollout> r = latest(app);
        Html h = head(app + " rollout", "rollout", app, who, csrf);
        h.raw("<nav><a href=\"/ui/\">Apps</a> › <a href=\"/ui/apps/").text(Html.segment(app)).raw("\">").text(app)
                .raw("</a> › </nav><h1>Rollout of ").text(app).raw("</h1>");
        if (r.isEmpty()) {
            return foot(h.raw("<p class=\"empty\">No rollout yet: deploy a new version with a canary or blueGreen"
                    + " strategy.</p>"));
        }
        h.raw("<div id=\"rollout\" data-rollout=\"").text(r.get().id()).raw("\">");
        h.raw(live("rollout-state", rolloutState(app, r.get().id())));
        h.raw(live("rollout-actions", rolloutActions(app, r.get().id(), canAct(who))));
        h.raw("<h2>Charts</h2><p class=\"hint\">One point per analysis look; live while the page is open.</p>");
        h.raw("<div class=\"charts\">");
        for (String[] c : List.of(new String[] {"weight", "Canary weight (%)"},
                new String[] {"errors", "Error rate per track (%)"},
                new String[] {"latency", "Mean latency per track (ms)"},
                new String[] {"evalue", "Judge's e-value against 1/alpha (log scale)"},
                new String[] {"ratio", "Error-rate ratio canary/stable with its confidence bounds"},
                new String[] {"samples", "Samples behind the verdict"})) {
            h.raw("<figure class=\"chart\" id=\"chart-").raw(c[0]).raw("\" data-n=\"0\"><figcaption>").text(c[1])
                    .raw("</figcaption><div class=\"plot\"></div></figure>");
        }
        h.raw("</div><div class=\"charts\" id=\"metric-charts\"></div>");
        MetricSeries.Slice measured = metrics.since(app, r.get(), 0);
        h.raw("<h2>Custom metrics</h2><p class=\"hint\">One point per measurement (each an <code>analysis.metric</code>"
                + " event); a relative metric shows canary and stable.</p><div class=\"charts\""
                + " id=\"custom-metric-charts\"></div>");
        h.raw(live("metric-status", metricStatus(app, r.get().id(), new MetricTable.Tally().add(measured.points()))));
        h.raw("<h2>Verdicts</h2>").raw(live("verdicts", verdicts(app, r.get().id())));
        h.raw("<script type=\"application/json\" id=\"series\">")
                .raw(Html.scriptJson(Dashboard.json(series.since(app, r.get().id(), 0)))).raw("</script>");
        h.raw("<script type=\"application/json\" id=\"metric-series\">").raw(Html.scriptJson(Dashboard.json(measured)))
                .raw("</script>");
        h.raw("</div>");
        return foot(h);
    }

    String login(String error) {
        Html h = new Html().raw(doctype("Log in"));
        h.raw("<body class=\"login\"><main><h1>DeployGuard</h1><form method=\"post\" action=\"/ui/login\">")
                .raw("<label for=\"token\">API token</label>")
                .raw("<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>")
                .raw("<button type=\"submit\" id=\"login\">Log in</button></form>");
        if (error != null) {
            h.raw("<p class=\"error\" id=\"login-error\">").text(error).raw("</p>");
        }
        h.raw("<p class=\"hint\">The token is sent once; the browser then keeps only a session cookie that scripts"
                + " cannot read. A viewer token shows everything and changes nothing.</p></main></body></html>");
        return h.toString();
    }

    static String error(int status, String message) {
        return new Html().raw(doctype("Error " + status)).raw("<body><main><h1>").text(status).raw("</h1><p>")
                .text(message).raw("</p><p><a href=\"/ui/\">All apps</a></p></main></body></html>").toString();
    }

    // ---- live parts --------------------------------------------------------------------------------------------

    String appsTable() {
        JsonNode apps = api.get("/api/apps", Map.of()).path("apps");
        if (apps.isEmpty()) {
            return "<p class=\"empty\">No apps yet: declare one in deployguard.yaml and deploy it.</p>";
        }
        Html h = new Html().raw("<table><thead><tr><th>App</th><th>Serving</th><th>Instances</th><th>Router</th>"
                + "<th>Rollout</th></tr></thead><tbody>");
        for (JsonNode a : apps) {
            String name = a.path("app").asText();
            h.raw("<tr data-app=\"").text(name).raw("\"><td><a href=\"/ui/apps/").text(Html.segment(name))
                    .raw("\">").text(name).raw("</a></td><td>").raw(serving(a.path("serving"))).raw("</td><td>");
            JsonNode inst = a.path("instances");
            long alive = 0;
            for (JsonNode i : inst) {
                alive += i.path("alive").asBoolean() ? 1 : 0;
            }
            h.text(inst.isArray() ? alive + "/" + inst.size() + " alive" : "").raw("</td><td>");
            JsonNode router = a.path("router");
            h.text(router.isObject() ? (router.path("alive").asBoolean() ? "up" : "down") : "").raw("</td><td>");
            h.raw(rolloutCell(name, a.path("rollout")));
            if (a.has("error")) {
                h.raw(" <span class=\"error\">").text(a.path("error").asText()).raw("</span>");
            }
            h.raw("</td></tr>");
        }
        return h.raw("</tbody></table>").toString();
    }

    String appState(String app) {
        JsonNode s = api.get("/api/apps/" + app + "/status", Map.of());
        Html h = new Html().raw("<dl class=\"facts\"><dt>Serving</dt><dd>").raw(serving(s.path("serving")))
                .raw("</dd><dt>Rollout</dt><dd>").raw(rolloutCell(app, s.path("rollout"))).raw("</dd>");
        JsonNode lock = s.path("lock");
        if (lock.isObject()) {
            h.raw("<dt>Busy</dt><dd>").text(lock.path("operation").asText()).raw(" by ").text(lock.path("actor")
                    .asText()).raw("</dd>");
        }
        return h.raw("</dl>").toString();
    }

    String history(String app, boolean canAct) {
        JsonNode releases = api.get("/api/apps/" + app + "/history", Map.of()).path("releases");
        Html h = new Html().raw("<table><thead><tr><th>Revision</th><th>Version</th><th>Status</th><th>Change cause"
                + "</th><th>By</th><th>When</th>").raw(canAct ? "<th></th>" : "").raw("</tr></thead><tbody>");
        for (int i = releases.size() - 1; i >= 0; i--) {
            JsonNode r = releases.get(i);
            int revision = r.path("revision").asInt();
            String status = r.path("status").asText();
            h.raw("<tr><td>").text(revision).raw("</td><td>").text(r.path("version").asText()).raw("</td><td><span"
                    + " class=\"status ").text(status.toLowerCase(java.util.Locale.ROOT)).raw("\">").text(status)
                    .raw("</span></td><td>").text(r.path("changeCause").asText("")).raw("</td><td>")
                    .text(r.path("actor").asText("")).raw("</td><td>").text(Html.time(r.path("createdAt").asText()))
                    .raw("</td>");
            if (canAct) {
                h.raw("<td>");
                if (!status.equals("DEPLOYED")) {
                    h.raw("<button class=\"action\" data-action=\"rollback\" data-revision=\"").text(revision)
                            .raw("\">Roll back to ").text(revision).raw("</button>");
                }
                h.raw("</td>");
            }
            h.raw("</tr>");
        }
        return h.raw("</tbody></table>").toString();
    }

    String events(String app) {
        JsonNode events = api.get("/api/apps/" + app + "/events", Map.of("limit", "10000")).path("events");
        Html h = new Html().raw("<table class=\"events\"><thead><tr><th>When</th><th>Kind</th><th>Revision</th>"
                + "<th>Who</th><th>What</th></tr></thead><tbody>");
        int shown = 0;
        for (int i = events.size() - 1; i >= 0 && shown < 50; i--, shown++) {
            JsonNode e = events.get(i);
            h.raw("<tr><td>").text(Html.time(e.path("at").asText())).raw("</td><td>").text(e.path("kind").asText())
                    .raw("</td><td>").text(e.path("revision").isNull() ? "" : e.path("revision").asText())
                    .raw("</td><td>").text(e.path("actor").asText()).raw("</td><td>").text(e.path("message").asText())
                    .raw("</td></tr>");
        }
        return h.raw("</tbody></table>").toString();
    }

    String incidents(String app) {
        JsonNode list = api.get("/api/incidents", Map.of("app", app)).path("incidents");
        if (list.isEmpty()) {
            return "<p class=\"empty\">No incidents.</p>";
        }
        Html h = new Html().raw("<table><thead><tr><th>#</th><th>Title</th><th>Severity</th><th>Opened</th>"
                + "<th>Closed</th></tr></thead><tbody>");
        for (JsonNode i : list) {
            h.raw("<tr><td>").text(i.path("id").asLong()).raw("</td><td>").text(i.path("title").asText())
                    .raw("</td><td>").text(i.path("severity").asText()).raw("</td><td>")
                    .text(Html.time(i.path("openedAt").asText())).raw(" by ").text(i.path("openedBy").asText())
                    .raw("</td><td>").text(i.path("closedAt").isNull() ? "open" : Html.time(i.path("closedAt")
                            .asText()) + ": " + i.path("resolution").asText("")).raw("</td></tr>");
        }
        return h.raw("</tbody></table>").toString();
    }

    String rolloutState(String app, long id) {
        Rollout r = cp.store().rollouts(app, 20).stream().filter(x -> x.id() == id).findFirst().orElse(null);
        if (r == null) {
            return "<p class=\"empty\">This rollout is no longer recorded.</p>";
        }
        Html h = new Html().raw("<dl class=\"facts\"><dt>Phase</dt><dd id=\"phase\" class=\"phase ")
                .text(r.phase().name().toLowerCase(java.util.Locale.ROOT)).raw("\">").text(r.phase()).raw("</dd>")
                .raw("<dt>Kind</dt><dd>").text(r.kind()).raw("</dd><dt>Revisions</dt><dd>stable ")
                .text(r.stableRevision()).raw(", canary ").text(r.canaryRevision()).raw("</dd><dt>Canary weight</dt>"
                        + "<dd id=\"weight\">").text(RolloutEngine.percent(r.weight())).raw("</dd><dt>Step</dt><dd>")
                .text(r.stepIndex() + 1).raw("</dd><dt>Started</dt><dd>").text(Html.time(r.startedAt())).raw("</dd>");
        if (r.waiting() != null) {
            h.raw("<dt>Waiting for</dt><dd>").text(r.waiting().text()).raw("</dd>");
        }
        if (r.lastVerdict() != null) {
            h.raw("<dt>Last verdict</dt><dd>").text(r.lastVerdict()).raw("</dd>");
        }
        if (r.outcome() != null) {
            h.raw("<dt>Outcome</dt><dd id=\"outcome\">").text(r.outcome()).raw("</dd>");
        }
        return h.raw("</dl>").toString();
    }

    /**
     * The buttons, a live part of their own: it changes only with the phase, so a button is not replaced under
     * the pointer while the facts above it update every second.
     */
    String rolloutActions(String app, long id, boolean canAct) {
        Rollout r = cp.store().rollouts(app, 20).stream().filter(x -> x.id() == id).findFirst().orElse(null);
        if (r == null || !canAct) {
            return "";
        }
        Html h = new Html().raw("<div class=\"actions\">");
        boolean active = !r.phase().isDone();
        if (active) { // a finished rollout takes no command; what is left is rolling back to its stable revision
            button(h, "promote", "Promote", true);
            button(h, "abort", "Abort", true);
            button(h, "pause", "Pause", r.phase() == Rollout.Phase.PROGRESSING);
            button(h, "resume", "Resume", r.phase() == Rollout.Phase.PAUSED);
        }
        if (!active || r.phase() == Rollout.Phase.BAKING) {
            h.raw("<button class=\"action\" data-action=\"rollback\" data-revision=\"").text(r.stableRevision())
                    .raw("\">Roll back to ").text(r.stableRevision()).raw("</button>");
        }
        return h.raw("</div>").toString();
    }

    String verdicts(String app, long id) {
        List<ChartPoint> points = series.since(app, id, 0).points();
        Html h = new Html().raw("<ol class=\"verdicts\">");
        String last = null;
        int shown = 0;
        for (int i = 0; i < points.size(); i++) {
            ChartPoint p = points.get(i);
            boolean change = !p.verdict().equals(last) || i == points.size() - 1;
            last = p.verdict();
            if (change && shown < 200) {
                shown++;
                h.raw("<li><span class=\"verdict ").text(p.verdict().toLowerCase(java.util.Locale.ROOT)).raw("\">")
                        .text(p.verdict()).raw("</span> <time>").text(Html.time(java.time.Instant.ofEpochMilli(p.t())))
                        .raw("</time> <span class=\"why\">").text(p.why()).raw("</span></li>");
            }
        }
        if (points.isEmpty()) {
            h.raw("<li class=\"empty\">No analysis look yet since this control plane started.</li>");
        }
        return h.raw("</ol>").toString();
    }

    // ---- pieces ------------------------------------------------------------------------------------------------

    /** The custom metrics' live table; {@code tally} holds the rollout's measurements the page has. */
    String metricStatus(String app, long id, MetricTable.Tally tally) {
        return MetricTable.html(rollout(app, id), MetricTable.declared(strategy(app)), tally);
    }

    /** The measurements of rollout {@code id} after event {@code afterId} (empty when it is not recorded). */
    MetricSeries.Slice measured(String app, long id, long afterId) {
        Rollout r = rollout(app, id);
        return r == null ? new MetricSeries.Slice(afterId, List.of()) : metrics.since(app, r, afterId);
    }

    private Rollout rollout(String app, long id) {
        return cp.store().rollouts(app, 20).stream().filter(x -> x.id() == id).findFirst().orElse(null);
    }

    private Strategy strategy(String app) {
        try {
            return cp.specs().get().app(app).map(a -> a.strategy()).orElse(null);
        } catch (RuntimeException e) {
            return null; // a broken spec file: the rest of the page still shows
        }
    }

    Optional<Rollout> latest(String app) {
        return cp.store().rollouts(app, 1).stream().findFirst();
    }

    private static void button(Html h, String action, String label, boolean enabled) {
        h.raw("<button class=\"action\" data-action=\"").raw(action).raw("\" id=\"").raw(action).raw("\"")
                .raw(enabled ? "" : " disabled").raw(">").raw(label).raw("</button>");
    }

    private static String serving(JsonNode release) {
        if (!release.isObject()) {
            return "<span class=\"empty\">nothing</span>";
        }
        return new Html().text(release.path("version").asText()).raw(" <span class=\"rev\">(revision ")
                .text(release.path("revision").asText()).raw(")</span>").toString();
    }

    private static String rolloutCell(String app, JsonNode r) {
        if (!r.isObject()) {
            return "<span class=\"empty\">none</span>";
        }
        String phase = r.path("phase").asText();
        return new Html().raw("<a class=\"phase ").text(phase.toLowerCase(java.util.Locale.ROOT))
                .raw("\" href=\"/ui/apps/").text(Html.segment(app)).raw("/rollout\">").text(phase).raw("</a> ")
                .text(RolloutEngine.percent(r.path("weight").asInt())).raw(" canary (revision ")
                .text(r.path("canaryRevision").asText()).raw(")").toString();
    }

    static boolean canAct(Principal who) {
        return who.may(Role.OPERATOR);
    }

    /**
     * A live part, carrying the signature of what it shows: the page hands the signatures to its event stream,
     * which then sends a part only once it differs from what the page already has.
     */
    private static String live(String id, String html) {
        return "<div id=\"" + id + "\" class=\"live\" data-sig=\"" + signature(html) + "\">" + html + "</div>";
    }

    static String signature(String html) {
        return Integer.toHexString(html.hashCode());
    }

    private static String doctype(String title) {
        return new Html().raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\""
                + " content=\"width=device-width, initial-scale=1\"><title>").text(title).raw(" · DeployGuard</title>"
                + "<link rel=\"stylesheet\" href=\"/ui/static/dashboard.css\">"
                + "<script src=\"/ui/static/dashboard.js\" defer></script></head>").toString();
    }

    private static Html head(String title, String view, String app, Principal who, String csrf) {
        Html h = new Html().raw(doctype(title));
        h.raw("<body data-view=\"").raw(view).raw("\" data-app=\"").text(app == null ? "" : app)
                .raw("\" data-csrf=\"").text(csrf == null ? "" : csrf).raw("\" data-can-act=\"").raw(String.valueOf(
                        canAct(who))).raw("\"><header><a class=\"brand\" href=\"/ui/\">DeployGuard</a>");
        h.raw("<span class=\"who\" id=\"who\">").text(who.actor()).raw(" · ").text(who.role().label()).raw("</span>");
        if (csrf != null) {
            h.raw("<form method=\"post\" action=\"/ui/logout\"><input type=\"hidden\" name=\"csrf\" value=\"")
                    .text(csrf).raw("\"><button type=\"submit\">Log out</button></form>");
        }
        h.raw("<span id=\"live\" class=\"live-dot\" title=\"live updates\"></span></header><main>")
                .raw("<div id=\"message\" role=\"status\"></div>");
        return h;
    }

    private static String foot(Html h) {
        return h.raw("</main></body></html>").toString();
    }
}
