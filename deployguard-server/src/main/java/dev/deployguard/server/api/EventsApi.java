package dev.deployguard.server.api;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.Event;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.access.Audit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.Fields;

/**
 * The event part of the HTTP API: {@code GET /api/events} and {@code GET /api/apps/APP/events}, filtered by
 * {@code after} (an event id), {@code since} (a duration back from now), {@code type} (a kind or its first part) and
 * {@code limit} (at most 10,000).
 */
final class EventsApi {
    private final ControlPlane cp;

    EventsApi(ControlPlane cp) {
        this.cp = cp;
    }

    /** @param app the app whose events are asked for, or null for all */
    Map<String, Object> list(String app, Fields query) {
        if (app != null) {
            requireApp(app);
        }
        long after = Query.number(query, "after", 0);
        int limit = (int) Math.min(Query.number(query, "limit", 1000), 10_000);
        Instant since = null;
        String s = query.getValue("since");
        if (s != null) {
            since = Instant.now().minus(Query.duration(s, "since"));
        }
        String type = query.getValue("type");
        if (type != null && !type.matches("[a-z][a-z.-]{0,63}")) {
            throw DeployGuardException.badInput("type must be an event kind or its first part, e.g. audit or"
                    + " rollback.started; got '" + type + "'");
        }
        List<Event> list;
        if (app != null && type != null && (type.equals("audit") || type.startsWith("audit."))) {
            // Audit events belong to the control plane and name their app in data (see Audit).
            list = new ArrayList<>();
            long from = after;
            while (list.size() < limit) {
                List<Event> page = cp.store().events(null, type, from, since, 1000);
                page.stream().filter(e -> app.equals(Audit.app(e))).limit(limit - list.size()).forEach(list::add);
                if (page.size() < 1000) {
                    break;
                }
                from = page.get(page.size() - 1).id();
            }
        } else {
            list = cp.store().events(app, type, after, since, limit);
        }
        return Map.of("events", list);
    }

    /** Read-only views work from the store alone, so a broken spec file does not hide history. */
    private void requireApp(String app) {
        if (cp.store().history(app).isEmpty()) {
            cp.specs().app(app);
        }
    }
}
