package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code deployguard gitops resume APP}: the owner's automation back on once git no longer deploys the bad one. */
@Command(name = "gitops", description = "Act on the GitOps owner (Argo CD, Flux) of an app.",
        subcommands = {GitOpsCommand.Resume.class})
final class GitOpsCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;

    @Override
    public Integer call() {
        throw DeployGuardException.badInput("missing subcommand: deployguard gitops resume APP"
                + " (see: deployguard gitops --help)");
    }

    @Command(name = "resume", description = "Turn back on the automation a rollback paused (Argo CD auto-sync, Flux"
            + " resume), only once git no longer deploys the bad revision; otherwise refused, naming what git still"
            + " deploys.")
    static final class Resume implements Callable<Integer> {
        @ParentCommand
        GitOpsCommand parent;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;
        @Option(names = "--force", description = "Resume even though git may still deploy the bad revision (the owner"
                + " would sync it again at once); recorded with your name in the gitops.resumed event")
        boolean force;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (force) {
                body.put("force", true);
            }
            DeployCommand.print(parent.root.client().post("/api/apps/" + ApiClient.enc(app) + "/gitops/resume",
                    body), out);
            return 0;
        }
    }
}
