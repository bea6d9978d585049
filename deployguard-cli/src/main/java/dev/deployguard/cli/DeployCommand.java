package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.spec.Durations;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "deploy", description = "Deploy a version of an app as a new revision.")
final class DeployCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", description = "The app, as named in deployguard.yaml")
    String app;
    @Option(names = "--version", required = true, description = "The version to deploy (fills $${version})")
    String version;
    @Option(names = "--change-cause", description = "Why: recorded with the revision, shown by history")
    String changeCause;
    @Option(names = "--atomic", description = "If the release is not ready in time, put the previous one back and"
            + " remove the new instances")
    boolean atomic;
    @Option(names = "--timeout", description = "How long to wait for readiness (default: the spec's readiness.timeout)")
    String timeout;
    @Option(names = "--skip-checks", description = "Deploy without running the pre-deployment checklist first"
            + " (recorded as a checks.skipped event with your name)")
    boolean skipChecks;

    @Override
    public Integer call() {
        // The API applies the same rules; checked here too, so a bad value never leaves this machine.
        dev.deployguard.release.Identifiers.version(version);
        dev.deployguard.release.Identifiers.changeCause(changeCause);
        if (timeout != null) {
            try {
                Durations.parse(timeout);
            } catch (IllegalArgumentException e) {
                throw dev.deployguard.error.DeployGuardException.badInput("--timeout: " + e.getMessage());
            }
        }
        ApiClient api = root.client();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("changeCause", changeCause);
        body.put("atomic", atomic);
        body.put("timeout", timeout);
        body.put("skipChecks", skipChecks);
        JsonNode r;
        Progress progress = new Progress(api, app, out.machineReadable());
        try {
            r = api.post("/api/apps/" + ApiClient.enc(app) + "/deploy", body);
            r = RolloutStart.await(api, app, r);
        } finally {
            progress.close();
        }
        print(r, out);
        return 0;
    }

    static void print(JsonNode r, Output out) {
        out.print(r, () -> r.path("message").asText() + "\n");
    }
}
