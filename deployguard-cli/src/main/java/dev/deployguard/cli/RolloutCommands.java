package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Operator commands on a rollout in progress. */
final class RolloutCommands {
    private RolloutCommands() {
    }

    static int send(DeployGuard root, Output out, String app, String verb, Map<String, Object> body) {
        JsonNode r = root.client().post("/api/apps/" + ApiClient.enc(app) + "/" + verb, body);
        if (out.json()) {
            System.out.println(Output.pretty(r));
        } else {
            System.out.println(r.path("message").asText());
        }
        return 0;
    }

    @Command(name = "promote", description = "Move a rollout past its current step (a pause, an inconclusive analysis),"
            + " or with --full straight to 100%.")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;
        @Option(names = "--full", description = "Skip the remaining steps and promote now")
        boolean full;

        @Override
        public Integer call() {
            return send(root, out, app, "promote", Map.of("full", full));
        }
    }

    @Command(name = "abort", description = "Abort a rollout: all traffic back to stable at once; the new release is"
            + " marked ROLLED_BACK.")
    static final class Abort implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;

        @Override
        public Integer call() {
            return send(root, out, app, "abort", Map.of());
        }
    }

    @Command(name = "pause", description = "Hold a rollout at its current step (analysis keeps watching).")
    static final class Pause implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;

        @Override
        public Integer call() {
            return send(root, out, app, "pause", Map.of());
        }
    }

    @Command(name = "resume", description = "Continue a paused rollout.")
    static final class Resume implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;

        @Override
        public Integer call() {
            return send(root, out, app, "resume", Map.of());
        }
    }
}
