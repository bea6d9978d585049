package dev.deployguard.server.access;

import dev.deployguard.event.EventKinds;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The audit trail: every API call that would change something is recorded as an event once it is answered, whoever
 * made it and whatever the answer, refusals included ({@code audit.action}, {@code audit.refused},
 * {@code audit.failed}). Reads are not audited; a token's secret is never part of what is recorded.
 */
public final class Audit {
    private static final Pattern APP = Pattern.compile("/api/apps/([a-z0-9][a-z0-9-]{0,62})/[a-z]+");
    private static final int MAX_TEXT = 512;

    private final EventLog events;

    public Audit(EventLog events) {
        this.events = events;
    }

    /** One answered call, as the API saw it. */
    public record Call(String method, String path, Endpoint endpoint, Principal principal, String onBehalfOf,
                       String source, int status, String error) {
    }

    /** True when a call of this method and endpoint (null: none matched) is audited. */
    public static boolean audited(String method, Endpoint endpoint) {
        return endpoint == null ? !method.equals("GET") && !method.equals("HEAD") : endpoint.changes();
    }

    /** The app an audit event concerns ({@code data.app}), or null. */
    public static String app(dev.deployguard.event.Event e) {
        return e.data().get("app") instanceof String a ? a : null;
    }

    /** Records the call; a store that cannot take the event must not turn an answered call into an error. */
    public void record(Call c) {
        String kind = c.status() < 300 ? EventKinds.AUDIT_ACTION
                : c.status() == 401 || c.status() == 403 ? EventKinds.AUDIT_REFUSED : EventKinds.AUDIT_FAILED;
        String actor = c.principal() == null ? "anonymous" : c.principal().recorded(c.onBehalfOf());
        String what = c.method() + " " + clip(c.path());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("role", c.principal() == null ? null : c.principal().role().label());
        data.put("source", c.source());
        data.put("method", c.method());
        data.put("path", clip(c.path()));
        Matcher m = APP.matcher(c.path());
        data.put("app", m.matches() ? m.group(1) : null);
        data.put("endpoint", c.endpoint() == null ? null : c.endpoint().name());
        data.put("requiredRole", c.endpoint() == null || c.endpoint().open() ? null : c.endpoint().role().label());
        data.put("status", c.status());
        data.put("onBehalfOf", c.onBehalfOf());
        if (c.error() != null) {
            data.put("error", clip(c.error()));
        }
        data.values().removeIf(java.util.Objects::isNull); // events hold no nulls
        String message = what + " by " + actor + (c.principal() == null ? ""
                : " (" + c.principal().role().label() + ")") + " from " + c.source() + ": " + c.status()
                + (c.error() == null ? "" : " " + clip(c.error()));
        try {
            // Recorded as a control-plane event, the app in data: an app's own timeline and its incident reports
            // keep telling what happened to it, and a deleted app's audit record stays.
            events.record(null, null, actor, kind, message, data);
        } catch (RuntimeException e) {
            System.err.println("deployguard: warning: cannot record the audit event of " + what + ": " + e);
        }
    }

    private static String clip(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
    }
}
