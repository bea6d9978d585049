package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Operator commands on a rollout in progress: each is one POST to the app's rollout endpoint. */
final class RolloutCommands {
    private RolloutCommands() {
    }

    /** What the four commands share: the app, the output format and the call. */
    abstract static class Verb implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;

        abstract String verb();

        Map<String, Object> body() {
            return Map.of();
        }

        @Override
        public Integer call() {
            JsonNode r = root.client().post("/api/apps/" + ApiClient.enc(app) + "/" + verb(), body());
            DeployCommand.print(r, out);
            return 0;
        }
    }

    @Command(name = "promote", description = "Move a rollout past its current step (a pause, an inconclusive analysis),"
            + " or with --full straight to 100%%.")
    static final class Promote extends Verb {
        @Option(names = "--full", description = "Skip the remaining steps and promote now")
        boolean full;

        @Override
        String verb() {
            return "promote";
        }

        @Override
        Map<String, Object> body() {
            return Map.of("full", full);
        }
    }

    @Command(name = "abort", description = "Abort a rollout: all traffic back to stable at once; the new release is"
            + " marked ROLLED_BACK.")
    static final class Abort extends Verb {
        @Override
        String verb() {
            return "abort";
        }
    }

    @Command(name = "pause", description = "Hold a rollout at its current step (analysis keeps watching).")
    static final class Pause extends Verb {
        @Override
        String verb() {
            return "pause";
        }
    }

    @Command(name = "resume", description = "Continue a paused rollout.")
    static final class Resume extends Verb {
        @Override
        String verb() {
            return "resume";
        }
    }
}
