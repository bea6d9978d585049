package dev.deployguard.server.dashboard;

/**
 * Who looks at the dashboard, as the API's authorization sees them.
 *
 * @param actor the name recorded in the audit trail (from the token, never from the browser)
 * @param role the role's name as shown on the page ({@code viewer}, {@code operator}, {@code admin}, {@code demo})
 * @param canAct whether the role may press promote, abort, pause, resume and rollback; the API checks it again
 */
public record Viewer(String actor, String role, boolean canAct) {
}
