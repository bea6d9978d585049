package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
            return 0;
        }
        if (app == null) {
            for (JsonNode a : r.path("apps")) {
                print(a);
            }
        } else {
            print(r);
        }
        return 0;
    }

    private static void print(JsonNode s) {
        JsonNode serving = s.path("serving");
        System.out.println("app " + s.path("app").asText() + ": " + (serving.isNull() || serving.isMissingNode()
                ? "nothing serving" : "revision " + serving.path("revision").asInt() + " ("
                + serving.path("version").asText() + ") DEPLOYED " + Output.when(serving.path("createdAt"))));
        JsonNode k8s = s.path("kubernetes");
        if (k8s.isObject()) {
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
        var table = new Table("REVISION", "INSTANCE", "PID", "PORT", "ALIVE", "STARTED");
        for (JsonNode i : s.path("instances")) {
            table.row(i.path("revision").asInt(), i.path("index").asInt(), i.path("pid").asLong(),
                    i.path("port").asInt(), i.path("alive").asBoolean() ? "yes" : "NO", Output.when(i.path("startedAt")));
        }
        System.out.print(table.toString().indent(2));
        JsonNode ro = s.path("rollout");
        if (!ro.isNull() && !ro.isMissingNode()) {
            System.out.println("  rollout " + ro.path("id").asLong() + " (" + ro.path("kind").asText() + "): revision "
                    + ro.path("canaryRevision").asInt() + " vs stable " + ro.path("stableRevision").asInt() + ", "
                    + ro.path("phase").asText() + ", step " + (ro.path("stepIndex").asInt() + 1) + ", canary weight "
                    + ro.path("weight").asInt() / 100.0 + "%"
                    + (ro.path("waitingFor").isNull() ? "" : ", waiting for " + ro.path("waitingFor").asText()));
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
}
