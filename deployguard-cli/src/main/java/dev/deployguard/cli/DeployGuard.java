package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code deployguard} command. */
@Command(name = "deployguard", mixinStandardHelpOptions = true, version = "DeployGuard 0.1.0",
        description = "Deployments that are safe to ship and fast to undo.",
        subcommands = {ServerCommand.class, CheckCommand.class, DeployCommand.class, StatusCommand.class, HistoryCommand.class,
                RollbackCommand.class, RolloutCommands.Promote.class,
                RolloutCommands.Abort.class, RolloutCommands.Pause.class, RolloutCommands.Resume.class, LogsCommand.class, EventsCommand.class, QuickstartCommand.class, DrillCommand.class, IncidentCommand.class, BackupCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure (see the message)", "2:bad input: invalid spec, flag or request",
                "3:deploy or rollback failed; traffic stayed on / returned to the previous release",
                "4:the app is busy with another operation", "5:control plane, router or database unreachable",
                "6:not found: unknown app or revision"})
public final class DeployGuard {

    @Option(names = "--state-dir", scope = CommandLine.ScopeType.INHERIT,
            description = "State directory (default: $DEPLOYGUARD_STATE_DIR or ./.deployguard)")
    Path stateDir;

    @Option(names = "--server", scope = CommandLine.ScopeType.INHERIT,
            description = "Control plane URL (default: read from the state directory)")
    String server;

    Path stateDir() {
        if (stateDir != null) {
            return stateDir;
        }
        String env = System.getenv("DEPLOYGUARD_STATE_DIR");
        return Path.of(env != null ? env : ".deployguard");
    }

    ApiClient client() {
        return ApiClient.forStateDir(stateDir(), server, System.getProperty("user.name", "unknown"));
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        var cli = new CommandLine(new DeployGuard());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof DeployGuardException e) {
                cmd.getErr().println("error: " + e.getMessage());
                return e.exitCode().code();
            }
            cmd.getErr().println("error: " + ex);
            return ExitCode.FAILURE.code();
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return ExitCode.BAD_INPUT.code();
        });
        return cli.execute(args);
    }
}
