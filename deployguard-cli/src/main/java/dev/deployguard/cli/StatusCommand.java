package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "Show what serves each app: release, instances, routes.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", arity = "0..1", description = "The app (default: all apps)")
    String app;
    @picocli.CommandLine.Option(names = {"-w", "--watch"},
            description = "Print again every second while a rollout is in progress")
    boolean watch;

    @Override
    public Integer call() throws InterruptedException {
        if (watch && app == null) {
            throw dev.deployguard.error.DeployGuardException.badInput("--watch needs an app");
        }
        if (watch) {
            ApiClient api = root.client();
            String last = "";
            while (true) {
                JsonNode r = api.get("/api/apps/" + ApiClient.enc(app) + "/status");
                var buf = new java.io.ByteArrayOutputStream();
                var saved = System.out;
                System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
                try {
                    print(r);
                } finally {
                    System.setOut(saved);
                }
                String now = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
                if (!now.equals(last)) {
                    System.out.println("--- " + java.time.LocalTime.now().withNano(0));
                    System.out.print(now);
                    last = now;
                }
                JsonNode ro = r.path("rollout");
                if (ro.isNull() || ro.isMissingNode() || ro.path("phase").asText().equals("SUCCEEDED")
                        || ro.path("phase").asText().equals("ROLLED_BACK")) {
                    return 0;
                }
                Thread.sleep(1000);
            }
        }
        ApiClient api = root.client();
        JsonNode r = app == null ? api.get("/api/apps") : api.get("/api/apps/" + ApiClient.enc(app) + "/status");
        if (out.json()) {
            System.out.println(Output.pretty(r));
        } else if (app == null) {
            for (JsonNode a : r.path("apps")) {
                print(a);
            }
        } else {
            print(r);
        }
        return app == null ? 0 : clusterExitCode(r);
    }

    /** What the store knows was printed; a cluster that could not be read still decides the exit code. */
    static int clusterExitCode(JsonNode status) {
        JsonNode code = status.path("kubernetes").path("exitCode");
        return code.isInt() ? code.asInt() : 0;
    }

    private static void print(JsonNode s) {
        JsonNode serving = s.path("serving");
        JsonNode k8s = s.path("kubernetes");
        boolean unread = k8s.has("error");
        System.out.println("app " + s.path("app").asText() + ": " + (serving.isNull() || serving.isMissingNode()
                ? (unread ? "serving unknown (the cluster was not read)" : "nothing serving")
                : unread ? "revision " + serving.path("revision").asInt() + " DEPLOYED according to the store"
                + " (the cluster was not read)"
                : "revision " + serving.path("revision").asInt() + " ("
                + serving.path("version").asText() + ") DEPLOYED " + Output.when(serving.path("createdAt"))));
        if (s.has("error")) {
            System.out.println("  error: " + s.path("error").asText());
        }
        if ("blueGreen".equals(k8s.path("strategy").asText())) {
            printSlots(k8s);
        } else if (k8s.isObject()) {
            System.out.println("  kubernetes: deployment " + k8s.path("namespace").asText() + "/"
                    + k8s.path("deployment").asText() + ", " + k8s.path("availableReplicas").asInt() + "/"
                    + k8s.path("replicas").asInt() + " available: " + k8s.path("message").asText());
        }
        JsonNode router = s.path("router");
        if (!router.isNull() && !router.isMissingNode()) {
            System.out.println("  router: " + router.path("listen").asText() + " (pid " + router.path("pid").asLong()
                    + ")");
        }
        JsonNode routes = s.path("routes");
        if (!routes.isNull() && !routes.isMissingNode()) {
            for (JsonNode t : routes.path("tracks")) {
                System.out.printf("  track %s: revision %d, %.2f%% -> %s%n", t.path("name").asText(),
                        t.path("revision").asInt(), t.path("weightBasisPoints").asInt() / 100.0, t.path("backends"));
            }
        }
        if (!k8s.isObject() || !s.path("instances").isEmpty()) {
            var table = new Table("REVISION", "INSTANCE", "PID", "PORT", "ALIVE", "STARTED");
            for (JsonNode i : s.path("instances")) {
                table.row(i.path("revision").asInt(), i.path("index").asInt(), i.path("pid").asLong(),
                        i.path("port").asInt(), i.path("alive").asBoolean() ? "yes" : "NO",
                        Output.when(i.path("startedAt")));
            }
            System.out.print(table.toString().indent(2));
        }
        JsonNode ro = s.path("rollout");
        if (!ro.isNull() && !ro.isMissingNode()) {
            System.out.println("  rollout " + ro.path("id").asLong() + " (" + ro.path("kind").asText() + "): revision "
                    + ro.path("canaryRevision").asInt() + " vs stable " + ro.path("stableRevision").asInt() + ", "
                    + ro.path("phase").asText() + ", step " + (ro.path("stepIndex").asInt() + 1) + ", canary weight "
                    + ro.path("weight").asInt() / 100.0 + "%"
                    + (ro.path("waiting").hasNonNull("text") ? ", waiting for " + ro.path("waiting").path("text")
                    .asText() : ""));
            if (!ro.path("lastVerdict").isNull()) {
                System.out.println("    last verdict: " + ro.path("lastVerdict").asText());
            }
            if (!ro.path("outcome").isNull()) {
                System.out.println("    outcome: " + ro.path("outcome").asText());
            }
        }
        JsonNode lock = s.path("lock");
        if (!lock.isNull() && !lock.isMissingNode()) {
            System.out.println("  busy: " + lock.path("operation").asText() + " by " + lock.path("actor").asText());
        }
    }

    /** Blue/green on Kubernetes: which slot each Service selects and what each slot runs, as Argo Rollouts shows it. */
    private static void printSlots(JsonNode k) {
        String ns = k.path("namespace").asText();
        if (k.has("error")) {
            System.out.println("  kubernetes: blue/green behind Service " + ns + "/" + k.path("service").asText()
                    + "; " + (k.path("reachable").asBoolean(true) ? "the cluster could not be read"
                    : "the cluster is unreachable") + ": " + k.path("error").asText());
            return;
        }
        if (k.path("activeSlot").isNull()) {
            System.out.println("  kubernetes: blue/green behind Service " + ns + "/" + k.path("service").asText()
                    + ", which selects no slot yet: deployment " + ns + "/" + k.path("deployment").asText()
                    + " serves (the first deploy moves it into slot blue)"
                    + (k.has("replicas") ? ", " + k.path("availableReplicas").asInt() + "/"
                    + k.path("replicas").asInt() + " available: " + k.path("message").asText() : ""));
        } else {
            System.out.println("  kubernetes: blue/green, Service " + ns + "/" + k.path("service").asText()
                    + " -> slot " + k.path("activeSlot").asText() + " (active), Service " + ns + "/"
                    + k.path("previewService").asText() + " -> "
                    + (k.path("previewSlot").isNull() ? "none" : "slot " + k.path("previewSlot").asText())
                    + " (preview)");
        }
        if (k.path("slots").isEmpty()) {
            return;
        }
        var table = new Table("SLOT", "DEPLOYMENT", "ROLE", "REVISION", "VERSION", "READY", "UP-TO-DATE",
                "AVAILABLE", "IMAGE", "INFO");
        for (JsonNode slot : k.path("slots")) {
            List<String> info = new ArrayList<>();
            if (!slot.path("selectedBy").isEmpty()) {
                List<String> by = new ArrayList<>();
                slot.path("selectedBy").forEach(n -> by.add(n.asText()));
                info.add("selected by " + String.join(", ", by));
            }
            if (!slot.path("scaleDownAt").isNull() && !slot.path("scaleDownAt").isMissingNode()) {
                info.add("scale-down at " + Output.when(slot.path("scaleDownAt")));
            }
            if (!slot.path("rolledOut").asBoolean() && slot.path("replicas").asInt() > 0) {
                info.add("rolling out");
            }
            table.row(slot.path("slot").asText(), slot.path("deployment").asText(), slot.path("role").asText(),
                    slot.path("revision").isNull() ? "?" : slot.path("revision").asText(),
                    slot.path("version").asText(""),
                    slot.path("readyReplicas").asInt() + "/" + slot.path("replicas").asInt(),
                    slot.path("updatedReplicas").asInt(), slot.path("availableReplicas").asInt(),
                    slot.path("image").asText(), String.join("; ", info));
        }
        System.out.print(table.toString().indent(2));
    }
}
