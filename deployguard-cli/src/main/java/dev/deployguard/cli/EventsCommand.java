package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "events", description = "Show the event timeline of an app (or of all apps); --type audit shows who did"
        + " what; --follow keeps printing new events.")
final class EventsCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", arity = "0..1", description = "The app (default: all apps and the control plane)")
    String app;
    @Option(names = "--type", paramLabel = "KIND",
            description = "Only events of this kind or family, e.g. audit (who did what, refusals included), rollback")
    String type;
    @Option(names = "--since", description = "Only events newer than this, e.g. 2h, 30m")
    String since;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new events as they happen (Ctrl-C to stop)")
    boolean follow;

    @Override
    public Integer call() throws InterruptedException {
        String base = app == null ? "/api/events" : "/api/apps/" + ApiClient.enc(app) + "/events";
        String filter = type == null ? "" : "&type=" + ApiClient.enc(type);
        ApiClient api = root.client();
        JsonNode r = api.get(base + "?" + (since == null ? "" : "since=" + ApiClient.enc(since)) + filter);
        if (follow) {
            long after = 0;
            while (true) {
                for (JsonNode e : r.path("events")) {
                    after = e.path("id").asLong();
                    System.out.println(out.machineReadable() ? line(e) : Output.when(e.path("at")) + "  "
                            + (e.path("revision").isNull() ? "-" : e.path("revision").asText()) + "  "
                            + e.path("actor").asText() + "  " + e.path("kind").asText() + "  "
                            + e.path("message").asText().lines().findFirst().orElse(""));
                }
                System.out.flush();
                Thread.sleep(500);
                r = api.get(base + "?after=" + after + filter);
            }
        }
        JsonNode all = r;
        out.print(all, () -> {
            var t = new Table("WHEN", "REVISION", "ACTOR", "KIND", "MESSAGE");
            for (JsonNode e : all.path("events")) {
                t.row(Output.when(e.path("at")), e.path("revision").isNull() ? "" : e.path("revision").asInt(),
                        e.path("actor").asText(), e.path("kind").asText(), oneLine(e.path("message").asText()));
            }
            return t.toString();
        });
        return 0;
    }

    /**
     * One followed event in the chosen machine format: a JSON object per line (JSON Lines), or a YAML document per
     * event, so a script can read the stream as it comes.
     */
    private String line(JsonNode e) {
        return out.format == Output.Format.yaml ? "---\n" + Output.yaml(e).stripTrailing() : e.toString();
    }

    /** A message on one table row: its lines joined (a failed deploy's log lines stay visible, not cut off). */
    static String oneLine(String message) {
        return message.lines().map(String::strip).filter(l -> !l.isEmpty())
                .reduce((a, b) -> a.endsWith(":") || b.startsWith("|") ? a + " " + b : a + " | " + b).orElse("");
    }
}
