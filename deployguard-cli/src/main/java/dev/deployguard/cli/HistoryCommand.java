package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "history", description = "Show the revisions of an app, oldest first.")
final class HistoryCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", description = "The app")
    String app;

    @Override
    public Integer call() {
        JsonNode r = root.client().get("/api/apps/" + ApiClient.enc(app) + "/history");
        if (out.json()) {
            System.out.println(Output.pretty(r));
        } else {
            System.out.print(table(r));
        }
        return 0;
    }

    static String table(JsonNode r) {
        var t = new Table("REVISION", "VERSION", "STATUS", "CHANGE-CAUSE", "WHEN", "WHO");
        for (JsonNode rel : r.path("releases")) {
            t.row(rel.path("revision").asInt(), rel.path("version").asText(), rel.path("status").asText(),
                    rel.path("changeCause").isNull() ? "" : rel.path("changeCause").asText(),
                    Output.when(rel.path("createdAt")), rel.path("actor").asText());
        }
        return t.toString();
    }
}
