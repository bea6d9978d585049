package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.rollout.RolloutEngine;

/**
 * After a deploy whose rollout is first prepared on the control plane (a Kubernetes canary Deployment rolling out
 * before any traffic moves), waits for that rollout to take its first step by polling the app's status, so
 * {@code deploy} answers as it always did: "started: canary weight 20%, ...". The control plane keeps the deadline
 * (it gives up and rolls back by itself); the CLI only watches, so an interrupted CLI changes nothing.
 */
final class RolloutStart {
    private static final long POLL_MILLIS = 250;

    private RolloutStart() {
    }

    /** The deploy's answer, its message telling how the rollout started; {@code answer} when nothing was prepared. */
    static JsonNode await(ApiClient api, String app, JsonNode answer) {
        int revision = answer.path("release").path("revision").asInt(-1);
        String message = answer.path("message").asText();
        int cut = message.indexOf(" preparing: ");
        if (revision < 0 || cut < 0) {
            return answer;
        }
        JsonNode rollout = rollout(api, app);
        while (preparing(rollout)) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return answer;
            }
            rollout = rollout(api, app);
        }
        if (rollout.isMissingNode() || rollout.isNull()) {
            return answer;
        }
        String phase = rollout.path("phase").asText();
        if ("ROLLED_BACK".equals(phase)) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, message.substring(0, cut) + " did not start: "
                    + rollout.path("outcome").asText() + "; see: deployguard history " + app);
        }
        String how = "SUCCEEDED".equals(phase) ? "finished: SUCCEEDED " + rollout.path("outcome").asText()
                : "started: canary weight " + RolloutEngine.percent(rollout.path("weight").asInt()) + ", "
                + (rollout.path("waiting").isObject() ? "waiting for " + rollout.path("waiting").path("text").asText()
                : phase) + "; follow it with: deployguard status " + app + " --watch";
        ObjectNode copy = answer.deepCopy();
        copy.put("message", message.substring(0, cut) + " " + how);
        copy.set("rollout", rollout);
        return copy;
    }

    private static boolean preparing(JsonNode rollout) {
        return "prepare".equals(rollout.path("waiting").path("for").asText());
    }

    private static JsonNode rollout(ApiClient api, String app) {
        return api.get("/api/apps/" + ApiClient.enc(app) + "/status").path("rollout");
    }
}
