package dev.deployguard.server.request;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every route the control plane serves, with the role it needs: the one table the API consults before it dispatches
 * (a request that matches no constant is answered 404, so a route cannot be served without a role here), and the
 * table the route × role test walks. {@code {app}}, {@code {id}} and {@code {name}} stand for one path segment.
 *
 * <p>Reads need {@link Role#VIEWER}; rollout actions, deploys, rollbacks, stops, drills and incidents need
 * {@link Role#OPERATOR}; tokens, backups, deleting an app and stopping everything need {@link Role#ADMIN}. Only
 * {@link #HEALTH} is open (load balancers and the CLI's liveness probe carry no token).
 */
public enum Endpoint {
    HEALTH("GET", "/api/health", null),
    PROMETHEUS_METRICS("GET", "/metrics", Role.VIEWER),
    APPS("GET", "/api/apps", Role.VIEWER),
    EVENTS("GET", "/api/events", Role.VIEWER),
    BACKUP("POST", "/api/backups", Role.ADMIN),
    /** Records a backup, verify or restore the CLI made of etcd or a namespace (or of the store while it runs). */
    BACKUP_EVENT("POST", "/api/backups/events", Role.ADMIN),
    TOKENS("GET", "/api/tokens", Role.ADMIN),
    TOKEN_CREATE("POST", "/api/tokens", Role.ADMIN),
    TOKEN_REVOKE("POST", "/api/tokens/{name}/revoke", Role.ADMIN),
    INCIDENTS("GET", "/api/incidents", Role.VIEWER),
    INCIDENT_OPEN("POST", "/api/incidents", Role.OPERATOR),
    INCIDENT("GET", "/api/incidents/{id}", Role.VIEWER),
    INCIDENT_NOTE("POST", "/api/incidents/{id}/notes", Role.OPERATOR),
    INCIDENT_CLOSE("POST", "/api/incidents/{id}/close", Role.OPERATOR),
    INCIDENT_REPORT("GET", "/api/incidents/{id}/report", Role.VIEWER),
    DOWN("POST", "/api/down", Role.ADMIN),
    APP("GET", "/api/apps/{app}", Role.VIEWER),
    STATUS("GET", "/api/apps/{app}/status", Role.VIEWER),
    HISTORY("GET", "/api/apps/{app}/history", Role.VIEWER),
    APP_EVENTS("GET", "/api/apps/{app}/events", Role.VIEWER),
    ROUTER_METRICS("GET", "/api/apps/{app}/metrics", Role.VIEWER),
    LOGS("GET", "/api/apps/{app}/logs", Role.VIEWER),
    /** Runs the checklist: it reads the world and changes nothing, so a viewer may ask. */
    CHECK("POST", "/api/apps/{app}/check", Role.VIEWER),
    DEPLOY("POST", "/api/apps/{app}/deploy", Role.OPERATOR),
    PROMOTE("POST", "/api/apps/{app}/promote", Role.OPERATOR),
    ABORT("POST", "/api/apps/{app}/abort", Role.OPERATOR),
    PAUSE("POST", "/api/apps/{app}/pause", Role.OPERATOR),
    RESUME("POST", "/api/apps/{app}/resume", Role.OPERATOR),
    ROLLBACK("POST", "/api/apps/{app}/rollback", Role.OPERATOR),
    /** Turns a GitOps owner's automation back on after a rollback paused it (only once git moved on, or forced). */
    GITOPS_RESUME("POST", "/api/apps/{app}/gitops/resume", Role.OPERATOR),
    DRILL("POST", "/api/apps/{app}/drill", Role.OPERATOR),
    MIGRATE("POST", "/api/apps/{app}/migrate", Role.OPERATOR),
    STOP("POST", "/api/apps/{app}/stop", Role.OPERATOR),
    DELETE("POST", "/api/apps/{app}/delete", Role.ADMIN);

    private final String method;
    private final String template;
    private final Role role;
    private final Pattern pattern;

    Endpoint(String method, String template, Role role) {
        this.method = method;
        this.template = template;
        this.role = role;
        this.pattern = Pattern.compile(template.replaceAll("\\{[a-z]+}", "[^/]+"));
    }

    public String method() {
        return method;
    }

    /** The path with {@code {app}}, {@code {id}} or {@code {name}} placeholders. */
    public String template() {
        return template;
    }

    /** The role a caller needs; null for an open endpoint (only {@link #HEALTH}). */
    public Role role() {
        return role;
    }

    /** True when no token is needed. */
    public boolean open() {
        return role == null;
    }

    /** True when a call changes something: it is audited and served by the leader only. */
    public boolean changes() {
        return method.equals("POST") && this != CHECK;
    }

    /** A concrete path for this endpoint, each placeholder replaced by {@code value} (for tests and docs). */
    public String path(String value) {
        return template.replaceAll("\\{[a-z]+}", value);
    }

    /** The endpoint serving this method and path, if any. */
    public static Optional<Endpoint> find(String method, String path) {
        for (Endpoint e : values()) {
            if (e.method.equals(method) && e.pattern.matcher(path).matches()) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return method + " " + template;
    }
}
