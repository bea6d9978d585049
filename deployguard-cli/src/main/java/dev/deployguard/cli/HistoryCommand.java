package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        out.print(r, () -> table(r));
        return 0;
    }

    static String table(JsonNode r) {
        // Blue/green on Kubernetes: which revision each slot runs, and what the slot is for now.
        Map<Integer, List<String>> slots = new HashMap<>();
        for (JsonNode s : r.path("slots")) {
            if (s.path("revision").isInt()) {
                slots.computeIfAbsent(s.path("revision").asInt(), k -> new ArrayList<>())
                        .add(s.path("slot").asText() + " (" + s.path("role").asText() + ")");
            }
        }
        boolean withSlots = !r.path("slots").isEmpty();
        var t = withSlots ? new Table("REVISION", "VERSION", "STATUS", "SLOT", "CHANGE-CAUSE", "WHEN", "WHO")
                : new Table("REVISION", "VERSION", "STATUS", "CHANGE-CAUSE", "WHEN", "WHO");
        for (JsonNode rel : r.path("releases")) {
            List<Object> row = new ArrayList<>(List.of(rel.path("revision").asInt(), rel.path("version").asText(),
                    rel.path("status").asText()));
            if (withSlots) {
                row.add(String.join(", ", slots.getOrDefault(rel.path("revision").asInt(), List.of())));
            }
            row.add(rel.path("changeCause").isNull() ? "" : rel.path("changeCause").asText());
            row.add(Output.when(rel.path("createdAt")));
            row.add(rel.path("actor").asText());
            t.row(row.toArray());
        }
        // An app Argo CD or Flux owns: its own history is the owner's too (argocd app history, flux get).
        return (r.path("gitops").isObject() ? "gitops: " + r.path("gitops").path("summary").asText() + "\n" : "")
                + t.toString();
    }
}
