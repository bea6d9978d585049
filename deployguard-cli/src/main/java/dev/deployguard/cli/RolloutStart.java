package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.rollout.RolloutEngine;

/**
 * After a deploy whose rollout is first prepared on the control plane (a Kubernetes canary Deployment or blue/green
 * slot rolling out before any traffic moves), waits for that rollout to take its first step by polling the app's
 * status, so {@code deploy} answers as it always did: "started: canary weight 20%, ...", or for blue/green "users
 * stay on slot blue, ...". The control plane keeps the deadline
 * (it gives up and rolls back by itself); the CLI only watches, so an interrupted CLI changes nothing.
 */
final class RolloutStart {
    private static final long POLL_MILLIS = 250;
    private static final long WEIGHT_LIMIT_MILLIS = 30_000;

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
        long startLimit = Long.MAX_VALUE;
        while (preparing(rollout) || (starting(rollout) && System.nanoTime() < startLimit)) {
            if (!preparing(rollout) && startLimit == Long.MAX_VALUE) {
                startLimit = System.nanoTime() + WEIGHT_LIMIT_MILLIS * 1_000_000;
            }
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
        awaitWeight(api, app, rollout);
        String phase = rollout.path("phase").asText();
        if ("ROLLED_BACK".equals(phase)) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, message.substring(0, cut) + " did not start: "
                    + rollout.path("outcome").asText() + "; see: deployguard history " + app);
        }
        String how = "SUCCEEDED".equals(phase) ? "finished: SUCCEEDED " + rollout.path("outcome").asText()
                : message.startsWith("blue/green rollout") ? blueGreen(api, app, rollout, phase,
                message.contains("(Helm release "))
                : "started: canary weight " + RolloutEngine.percent(rollout.path("weight").asInt()) + ", "
                + (rollout.path("waiting").isObject() ? "waiting for " + rollout.path("waiting").path("text").asText()
                : phase) + "; follow it with: deployguard status " + app + " --watch";
        ObjectNode copy = answer.deepCopy();
        copy.put("message", message.substring(0, cut) + " " + how);
        copy.set("rollout", rollout);
        return copy;
    }

    /**
     * How a prepared blue/green rollout stands, as the control plane says it of one ready at once: users still on
     * the serving slot (a Deployment's, named by the status's {@code activeSlot}; else the Helm release's
     * Deployment) or promoted to the new one.
     */
    private static String blueGreen(ApiClient api, String app, JsonNode rollout, String phase, boolean helm) {
        String active = api.get("/api/apps/" + ApiClient.enc(app) + "/status").path("kubernetes").path("activeSlot")
                .asText("");
        boolean known = !active.isEmpty() && !"null".equals(active); // not when the cluster could not be read
        if ("BAKING".equals(phase)) {
            return "promoted: users are on " + (helm ? "the slot" : known ? "slot " + active : "the new slot")
                    + "; follow it with: deployguard status " + app + " --watch";
        }
        return "users stay on " + (helm ? "the release's Deployment" : known ? "slot " + active
                : "the serving slot") + ", "
                + (rollout.path("waiting").isObject() ? "waiting for " + rollout.path("waiting").path("text").asText()
                : phase) + "; follow it with: deployguard status " + app + " --watch";
    }

    /**
     * The control plane stores a step before its target carries it out: waits (at most {@link #WEIGHT_LIMIT_MILLIS})
     * for the {@code traffic.switched} event of the stored weight, so "started: canary weight 20%" is said once the
     * cluster holds it.
     */
    private static void awaitWeight(ApiClient api, String app, JsonNode rollout) {
        String weight = rollout.path("weight").asText();
        if (rollout.path("weight").asInt() == 0 || !java.util.Set.of("PROGRESSING", "PAUSED").contains(rollout.path("phase").asText())) {
            return;
        }
        long until = System.nanoTime() + WEIGHT_LIMIT_MILLIS * 1_000_000;
        while (System.nanoTime() < until) {
            boolean switched = false; // after the latest rollout.started (events come oldest first)
            for (JsonNode e : api.get("/api/apps/" + ApiClient.enc(app) + "/events?since=10m&limit=10000")
                    .path("events")) {
                String kind = e.path("kind").asText();
                if ("rollout.started".equals(kind)) {
                    switched = false;
                } else if ("traffic.switched".equals(kind)) {
                    switched = weight.equals(e.path("data").path("weight").asText());
                }
            }
            if (switched) {
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Prepared, its first step not yet stored (a moment between two writes of the control plane). */
    private static boolean starting(JsonNode rollout) {
        return "PROGRESSING".equals(rollout.path("phase").asText()) && rollout.path("weight").asInt() == 0
                && !rollout.path("waiting").isObject();
    }

    private static boolean preparing(JsonNode rollout) {
        return "prepare".equals(rollout.path("waiting").path("for").asText());
    }

    private static JsonNode rollout(ApiClient api, String app) {
        return api.get("/api/apps/" + ApiClient.enc(app) + "/status").path("rollout");
    }
}
