package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.spec.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "drill", description = "Rollback drill: deploy the baseline, record its state, deploy the candidate"
        + " and check it serves, roll back, and check every recorded field is back. Exit 0 only when it is.")
final class DrillCommand implements Callable<Integer> {
    enum Format { table, json, yaml, junit }

    @ParentCommand
    DeployGuard root;

    @Parameters(index = "0", description = "The app")
    String app;
    @Option(names = "--versions", split = ",", description = "BASELINE,CANDIDATE (default: drill.versions in the spec,"
            + " else the serving version and the previous one)")
    List<String> versions;
    @Option(names = "--probe", description = "A request path that must answer 200 through the app's listen address;"
            + " repeat for more (default: drill.probes in the spec, else /)")
    List<String> probes;
    @Option(names = "--timeout", description = "Bound on each step (default: drill.timeout, else 60s)")
    String timeout;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "Output: ${COMPLETION-CANDIDATES}")
    Format format;
    @Option(names = "--junit-file", description = "Also write the result as JUnit XML to this file (for CI)")
    Path junitFile;

    @Override
    public Integer call() throws IOException {
        if (versions != null && versions.size() != 2) {
            throw DeployGuardException.badInput("--versions expects BASELINE,CANDIDATE, e.g. --versions v1,v2");
        }
        if (timeout != null) {
            try {
                Durations.parse(timeout);
            } catch (IllegalArgumentException e) {
                throw DeployGuardException.badInput("--timeout: " + e.getMessage());
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("versions", versions);
        List<Map<String, Object>> p = new ArrayList<>();
        if (probes != null) {
            for (String path : probes) {
                if (!path.startsWith("/")) {
                    throw DeployGuardException.badInput("--probe " + path + ": expected a path starting with '/'");
                }
                p.add(Map.of("path", path, "expectStatus", 200));
            }
        }
        body.put("probes", p);
        body.put("timeout", timeout);
        ApiClient api = root.client();
        JsonNode r;
        Progress progress = new Progress(api, app, format != Format.table);
        try {
            r = api.post("/api/apps/" + ApiClient.enc(app) + "/drill", body);
        } finally {
            progress.close();
        }
        if (junitFile != null) {
            Files.writeString(junitFile, DrillJunit.xml(r), StandardCharsets.UTF_8);
        }
        switch (format) {
            case json -> System.out.println(Output.pretty(r));
            case yaml -> System.out.print(Output.yaml(r));
            case junit -> System.out.print(DrillJunit.xml(r));
            default -> System.out.print(table(r));
        }
        boolean passed = r.path("passed").asBoolean(false);
        if (!passed) {
            System.err.println("error: " + r.path("summary").asText());
        }
        return passed ? 0 : ExitCode.FAILURE.code();
    }

    static String table(JsonNode r) {
        var sb = new StringBuilder();
        sb.append("Drill of ").append(r.path("app").asText()).append(": ").append(r.path("baselineVersion").asText())
                .append(" -> ").append(r.path("candidateVersion").asText()).append(" -> back\n\n");
        var steps = new Table("STEP", "RESULT", "DURATION", "DETAIL");
        for (JsonNode s : r.path("steps")) {
            steps.row(s.path("name").asText(), s.path("outcome").asText(), s.path("durationMillis").asLong() + " ms",
                    s.path("detail").asText().lines().findFirst().orElse(""));
        }
        sb.append(steps).append('\n');
        JsonNode before = r.path("baseline").path("fields");
        JsonNode after = r.path("after").path("fields");
        if (before.isObject()) {
            var fields = new Table("FIELD", "BASELINE", "AFTER ROLLBACK", "");
            before.properties().forEach(f -> {
                String a = after.path(f.getKey()).asText("(absent)");
                fields.row(f.getKey(), shorten(f.getValue().asText()), shorten(a),
                        a.equals(f.getValue().asText()) ? "same" : "DIFFERS");
            });
            sb.append(fields).append('\n');
        }
        sb.append(r.path("summary").asText()).append('\n');
        return sb.toString();
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 28) + "..." + s.substring(s.length() - 28) : s;
    }
}
