package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "logs", description = "Print the last lines of each instance's log (newest revision by default).")
final class LogsCommand implements Callable<Integer> {
    /** The header the API puts before each running instance's lines. */
    private static final Pattern INSTANCE = Pattern.compile(
            "==> revision (\\d+) instance (\\d+) \\(pid (\\d+), (.*)\\) <==");
    /** The header before the log file of an instance that no longer runs. */
    private static final Pattern FILE = Pattern.compile("==> (.*) <==");

    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", description = "The app")
    String app;
    @Option(names = "--revision", description = "Which revision's instances")
    Integer revision;
    @Option(names = {"-n", "--lines"}, defaultValue = "100", description = "Lines per instance (default: 100)")
    int lines;

    @Override
    public Integer call() {
        if (lines < 1) {
            throw dev.deployguard.error.DeployGuardException.badInput("--lines must be 1 or more, got " + lines);
        }
        String q = "?lines=" + lines + (revision == null ? "" : "&revision=" + revision);
        String text = root.client().getText("/api/apps/" + ApiClient.enc(app) + "/logs" + q);
        out.print(structured(app, text), () -> text);
        return 0;
    }

    /**
     * The API's text answer as data: {@code {app, logs: [{revision, instance, pid, file, lines: [...]}]}}, one entry
     * per header; {@code revision}, {@code instance} and {@code pid} are absent for the log of a stopped instance.
     */
    static JsonNode structured(String app, String text) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("app", app);
        ArrayNode logs = root.putArray("logs");
        ArrayNode current = null;
        for (String line : text.split("\n", -1)) {
            Matcher i = INSTANCE.matcher(line);
            Matcher f = FILE.matcher(line);
            if (i.matches()) {
                ObjectNode e = logs.addObject();
                e.put("revision", Integer.parseInt(i.group(1)));
                e.put("instance", Integer.parseInt(i.group(2)));
                e.put("pid", Long.parseLong(i.group(3)));
                e.put("file", i.group(4));
                current = e.putArray("lines");
            } else if (f.matches()) {
                ObjectNode e = logs.addObject();
                e.put("file", f.group(1));
                current = e.putArray("lines");
            } else if (current != null) {
                current.add(line);
            }
        }
        // Each section ends with the newline the API adds after it: not a line of the log.
        for (JsonNode e : logs) {
            ArrayNode l = (ArrayNode) e.path("lines");
            if (!l.isEmpty() && l.get(l.size() - 1).asText().isEmpty()) {
                l.remove(l.size() - 1);
            }
        }
        return root;
    }
}
