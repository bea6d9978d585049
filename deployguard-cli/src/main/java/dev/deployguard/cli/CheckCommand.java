package dev.deployguard.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.check.ChecklistJson;
import dev.deployguard.check.ChecklistJunit;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.check.ChecklistTable;
import dev.deployguard.check.ChecklistVerdict;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import dev.deployguard.server.check.ChecklistFactory;
import dev.deployguard.server.deploy.SpecSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code deployguard check}: the pre-deployment checklist. With a control plane running for the state directory
 * (or named by --server) it runs there, on the spec that control plane deploys from; with {@code -f FILE}, or no
 * control plane, it runs in this process — no server needed — so a CI job can gate on it. The exit code is the
 * verdict: 0 READY, 1 NOT READY, 2 bad spec or flags.
 */
@Command(name = "check", description = "Run an app's pre-deployment checklist: on the running control plane's spec"
        + " when one runs, else here on -f FILE (default ./deployguard.yaml); exit 0 only when READY, 1 when not,"
        + " 2 on a bad spec.")
final class CheckCommand implements Callable<Integer> {
    /** The output formats: junit besides the shared ones. */
    enum Format { table, json, yaml, junit }

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    @ParentCommand
    DeployGuard root;

    @Parameters(index = "0", description = "The app, as named in the spec")
    String app;
    @Option(names = "--version", description = "The version to check (fills $${version}); checks that need it say so")
    String version;
    @Option(names = {"-f", "--file"}, description = "Check this spec here, in this process, even when a control"
            + " plane runs (default: the control plane's spec, else ./deployguard.yaml)")
    Path file;
    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Format format;
    @Option(names = "--junit-file", description = "Also write the report as JUnit XML to this file (for CI)")
    Path junitFile;

    @Override
    public Integer call() {
        ChecklistReport report = file == null && root.serverConfigured() ? onServer() : here(file);
        switch (format) {
            case json -> System.out.println(Output.pretty(ChecklistJson.toJson(report)));
            case yaml -> System.out.print(Output.yaml(ChecklistJson.toJson(report)));
            case junit -> System.out.print(ChecklistJunit.render(report));
            default -> System.out.print(ChecklistTable.render(report));
        }
        if (junitFile != null) {
            try {
                Path parent = junitFile.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(junitFile, ChecklistJunit.render(report));
            } catch (IOException e) {
                throw new DeployGuardException(ExitCode.FAILURE, "cannot write the JUnit report to " + junitFile
                        + ": " + e.getMessage(), e);
            }
        }
        return report.ready() ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }

    private ChecklistReport here(Path spec) {
        Path f = spec != null ? spec : Path.of("deployguard.yaml");
        return new ChecklistFactory(root.stateDir(), System.getenv(), Clock.systemUTC())
                .run(new SpecSource(f).app(app), version);
    }

    /** The checklist as the control plane runs it before a deploy; a stale server.json falls back to here. */
    private ChecklistReport onServer() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        try {
            return fromJson(root.client().post("/api/apps/" + ApiClient.enc(app) + "/check", body));
        } catch (DeployGuardException e) {
            if (e.exitCode() != ExitCode.UNREACHABLE || root.server != null) {
                throw e;
            }
            System.err.println("note: " + e.getMessage().lines().findFirst().orElse("")
                    + "; checking ./deployguard.yaml here instead");
            return here(null);
        }
    }

    /** The API's JSON answer ({@link ChecklistJson}'s shape) read back into a report, for the same renderers. */
    static ChecklistReport fromJson(JsonNode n) {
        List<CheckResult> results = new ArrayList<>();
        for (JsonNode r : n.path("results")) {
            results.add(new CheckResult(r.path("name").asText(), CheckStatus.valueOf(r.path("status").asText()),
                    r.path("evidence").asText(), r.path("remedy").asText(),
                    Duration.ofMillis(r.path("tookMs").asLong()), Json.mapper().convertValue(r.path("data"), MAP)));
        }
        return new ChecklistReport(n.path("app").asText(), n.path("version").isTextual() ? n.path("version").asText()
                : null, ChecklistVerdict.valueOf(n.path("verdict").asText()), results,
                Instant.parse(n.path("startedAt").asText()), Duration.ofMillis(n.path("tookMs").asLong()));
    }
}
