package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code deployguard incident open|note|close|list|report}: incidents and their post-incident reports. */
@Command(name = "incident", description = "Open, note and close incidents; write the post-incident report.",
        subcommands = {IncidentCommand.Open.class, IncidentCommand.Note.class, IncidentCommand.Close.class,
                IncidentCommand.ListIncidents.class, IncidentCommand.Report.class})
final class IncidentCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;

    @Override
    public Integer call() {
        throw DeployGuardException.badInput("missing subcommand: deployguard incident open|note|close|list|report"
                + " (see: deployguard incident --help)");
    }

    static String path(long id) {
        if (id < 1) {
            throw DeployGuardException.badInput("incident id must be a positive number, got " + id
                    + " (see: deployguard incident list)");
        }
        return "/api/incidents/" + id;
    }

    static String line(JsonNode incident) {
        return "incident " + incident.path("id").asLong() + " (" + incident.path("severity").asText()
                + ", " + incident.path("app").asText() + "): " + incident.path("title").asText()
                + (incident.path("closedAt").isNull() || incident.path("closedAt").isMissingNode() ? " [open]"
                : " [closed]");
    }

    @Command(name = "open", description = "Open an incident for an app.")
    static final class Open implements Callable<Integer> {
        @ParentCommand
        IncidentCommand parent;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;
        @Option(names = "--title", required = true, description = "What users see, in one line")
        String title;
        @Option(names = "--severity", description = "SEV1 (worst) to SEV5; default SEV3")
        String severity;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("app", app);
            body.put("title", title);
            body.put("severity", severity);
            JsonNode r = parent.root.client().post("/api/incidents", body);
            out.print(r, () -> line(r) + "\n");
            return 0;
        }
    }

    @Command(name = "note", description = "Add a note to an incident's record.")
    static final class Note implements Callable<Integer> {
        @ParentCommand
        IncidentCommand parent;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The incident id")
        long id;
        @Parameters(index = "1", description = "The note (quote it)")
        String text;

        @Override
        public Integer call() {
            JsonNode r = parent.root.client().post(path(id) + "/notes", Map.of("text", text));
            DeployCommand.print(r, out);
            return 0;
        }
    }

    @Command(name = "close", description = "Close an incident.")
    static final class Close implements Callable<Integer> {
        @ParentCommand
        IncidentCommand parent;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The incident id")
        long id;
        @Option(names = "--resolution", description = "How it was resolved")
        String resolution;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("resolution", resolution);
            JsonNode r = parent.root.client().post(path(id) + "/close", body);
            DeployCommand.print(r, out);
            return 0;
        }
    }

    @Command(name = "list", description = "List incidents, newest first.")
    static final class ListIncidents implements Callable<Integer> {
        @ParentCommand
        IncidentCommand parent;
        @Mixin
        Output out;
        @Parameters(index = "0", arity = "0..1", description = "Only this app's")
        String app;

        @Override
        public Integer call() {
            JsonNode r = parent.root.client().get("/api/incidents" + (app == null ? "" : "?app=" + ApiClient.enc(app)));
            out.print(r, () -> {
                var t = new Table("ID", "APP", "SEVERITY", "OPENED", "BY", "STATUS", "TITLE");
                for (JsonNode i : r.path("incidents")) {
                    boolean open = i.path("closedAt").isNull() || i.path("closedAt").isMissingNode();
                    t.row(i.path("id").asLong(), i.path("app").asText(), i.path("severity").asText(),
                            Output.when(i.path("openedAt")), i.path("openedBy").asText(), open ? "open" : "closed",
                            i.path("title").asText());
                }
                return t.toString();
            });
            return 0;
        }
    }

    @Command(name = "report", description = "Write the post-incident report (Markdown) to stdout or a file.")
    static final class Report implements Callable<Integer> {
        @ParentCommand
        IncidentCommand parent;
        @Parameters(index = "0", description = "The incident id")
        long id;
        @Option(names = {"-o", "--output"}, description = "Write to this file instead of stdout")
        Path file;

        @Override
        public Integer call() {
            String md = parent.root.client().getText(path(id) + "/report");
            if (file == null) {
                System.out.print(md);
                return 0;
            }
            try {
                Files.writeString(file, md, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new DeployGuardException(ExitCode.FAILURE, "cannot write the report to " + file + ": "
                        + e.getMessage());
            }
            System.out.println("report of incident " + id + " written to " + file);
            return 0;
        }
    }
}
