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

    @Override
    public Integer call() {
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
        JsonNode lock = s.path("lock");
        if (!lock.isNull() && !lock.isMissingNode()) {
            System.out.println("  busy: " + lock.path("operation").asText() + " by " + lock.path("actor").asText());
        }
    }
}
