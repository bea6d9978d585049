package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "events", description = "Show the event timeline of an app.")
final class EventsCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", description = "The app")
    String app;
    @Option(names = "--since", description = "Only events newer than this, e.g. 2h, 30m")
    String since;

    @Override
    public Integer call() {
        String q = since == null ? "" : "?since=" + ApiClient.enc(since);
        JsonNode r = root.client().get("/api/apps/" + ApiClient.enc(app) + "/events" + q);
        if (out.json()) {
            System.out.println(Output.pretty(r));
            return 0;
        }
        var t = new Table("WHEN", "REVISION", "ACTOR", "KIND", "MESSAGE");
        for (JsonNode e : r.path("events")) {
            t.row(Output.when(e.path("at")), e.path("revision").isNull() ? "" : e.path("revision").asInt(),
                    e.path("actor").asText(), e.path("kind").asText(), e.path("message").asText().lines().findFirst()
                            .orElse(""));
        }
        System.out.print(t);
        return 0;
    }
}
