package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/**
 * After a rollback the control plane carries out on its ticks (a Kubernetes blue/green rollback to a slot that was
 * scaled to 0: the slot starts again first), waits for its outcome, so {@code rollback} answers as it always did:
 * "rolled back ..." (exit 0) or why it failed (exit 3). It polls the app's rollback events for the new revision's
 * {@code rollback.succeeded} or {@code rollback.failed}; the control plane keeps the deadline, the CLI only watches,
 * so an interrupted CLI changes nothing (the rollback goes on).
 */
final class RollbackFollow {
    private static final long POLL_MILLIS = 250;

    private RollbackFollow() {
    }

    /** The rollback's answer once it has ended; {@code answer} itself when it ended in the request. */
    static JsonNode await(ApiClient api, String app, JsonNode answer) {
        int revision = answer.path("release").path("revision").asInt(-1);
        String message = answer.path("message").asText();
        if (revision < 0 || !message.contains(" preparing: ")) {
            return answer;
        }
        JsonNode outcome = outcome(api, app, revision);
        while (outcome == null) {
            boolean going = rollingBack(api, app, revision);
            outcome = outcome(api, app, revision); // read after the rollout, so an ending in between is seen
            if (outcome == null && !going) {
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "the rollback of " + app + " (revision "
                        + revision + ") ended without switching users; see: deployguard events " + app);
            }
            if (outcome == null) {
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return answer;
                }
            }
        }
        if ("rollback.failed".equals(outcome.path("kind").asText())) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, outcome.path("message").asText());
        }
        ObjectNode copy = answer.deepCopy();
        String schema = message.contains("\n") ? message.substring(message.indexOf('\n')) : "";
        copy.put("message", outcome.path("message").asText() + schema);
        return copy;
    }

    /** The rollback's last {@code rollback.succeeded} or {@code rollback.failed} event, or null before it ends. */
    private static JsonNode outcome(ApiClient api, String app, int revision) {
        JsonNode found = null;
        for (JsonNode e : api.get("/api/apps/" + ApiClient.enc(app) + "/events?type=rollback&since=6h&limit=10000")
                .path("events")) {
            String kind = e.path("kind").asText();
            if (e.path("revision").asInt(-1) == revision
                    && ("rollback.succeeded".equals(kind) || "rollback.failed".equals(kind))) {
                found = e;
            }
        }
        return found;
    }

    /** Whether the app's rollout in progress is this rollback (still preparing or ending). */
    private static boolean rollingBack(ApiClient api, String app, int revision) {
        JsonNode rollout = api.get("/api/apps/" + ApiClient.enc(app) + "/status").path("rollout");
        return rollout.isObject() && rollout.path("canaryRevision").asInt(-1) == revision
                && !"SUCCEEDED".equals(rollout.path("phase").asText())
                && !"ROLLED_BACK".equals(rollout.path("phase").asText());
    }
}
