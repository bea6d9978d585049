package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code deployguard} command. */
@Command(name = "deployguard", mixinStandardHelpOptions = true, version = "DeployGuard 0.1.0",
        description = "Deployments that are safe to ship and fast to undo.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure (see the message)", "2:bad input: invalid spec, flag or request",
                "3:deploy or rollback failed; traffic stayed on / returned to the previous release",
                "4:the app is busy with another operation", "5:control plane, router or database unreachable",
                "6:not found: unknown app or revision"})
public final class DeployGuard {
    /** The commands, in the order usage lists them. */
    private static final List<Class<?>> COMMANDS = List.of(ServerCommand.class, CheckCommand.class,
            DeployCommand.class, StatusCommand.class, HistoryCommand.class, RollbackCommand.class, GitOpsCommand.class, MigrateCommand.class,
            RolloutCommands.Promote.class, RolloutCommands.Abort.class, RolloutCommands.Pause.class,
            RolloutCommands.Resume.class, VerifyCommand.class, MirrorsCommand.class, ImageCommand.class, LogsCommand.class, EventsCommand.class, TeardownCommands.Stop.class,
            TeardownCommands.Delete.class, TeardownCommands.Down.class, QuickstartCommand.class, DrillCommand.class,
            IncidentCommand.class, TokenCommand.class, BackupCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class);
    /** Options of the root that take a separate value, skipped when looking for the command's name. */
    private static final Set<String> ROOT_OPTIONS_WITH_VALUE = Set.of("--state-dir", "--server", "--token");

    @Option(names = "--state-dir", scope = CommandLine.ScopeType.INHERIT,
            description = "State directory (default: $DEPLOYGUARD_STATE_DIR or ./.deployguard)")
    Path stateDir;

    @Option(names = "--server", scope = CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "Control plane URL (default: read from the state directory's server.json)")
    String server;

    @Option(names = "--token", scope = CommandLine.ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "API token (default: $DEPLOYGUARD_TOKEN, else the state directory's api.token)")
    String token;

    Path stateDir() {
        if (stateDir != null) {
            return stateDir;
        }
        String env = System.getenv("DEPLOYGUARD_STATE_DIR");
        return Path.of(env != null ? env : ".deployguard");
    }

    ApiClient client() {
        return ApiClient.forStateDir(stateDir(), server, token, System.getProperty("user.name", "unknown"));
    }

    /** True when a control plane is recorded for the state directory (or named by --server). */
    boolean serverConfigured() {
        return server != null || java.nio.file.Files.exists(stateDir().resolve("server.json"));
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /** The whole command tree, with {@code -h/--help} on every command and the error handlers that set exit codes. */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The tree for these arguments: when they name a command, only that command's subtree. picocli builds every
     * command it is given by reflection before it parses anything, and a read command should not pay for twenty
     * (≈ half the tree's cost; docs/benchmarks.md). Root help, {@code help}, {@code completion} and anything that
     * is not a command's name get the whole tree.
     */
    static CommandLine commandLine(String... args) {
        String only = commandName(args);
        var cli = new CommandLine(new DeployGuard());
        for (Class<?> c : COMMANDS) {
            if (only == null || only.equals(c.getAnnotation(Command.class).name())) {
                cli.addSubcommand(c);
            }
        }
        addHelp(cli);
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
        return cli;
    }

    /** The command the arguments name, or null when the whole tree is needed. */
    static String commandName(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (ROOT_OPTIONS_WITH_VALUE.contains(a)) {
                i++;
            } else if (a.startsWith("--") && a.contains("=")
                    && ROOT_OPTIONS_WITH_VALUE.contains(a.substring(0, a.indexOf('=')))) {
                continue;
            } else if (a.startsWith("-")) {
                return null;
            } else {
                boolean known = COMMANDS.stream().anyMatch(c -> c.getAnnotation(Command.class).name().equals(a));
                return known && !a.equals("help") && !a.equals("completion") ? a : null;
            }
        }
        return null;
    }

    private static void addHelp(CommandLine cmd) {
        for (CommandLine sub : cmd.getSubcommands().values()) {
            if (!sub.getCommandSpec().optionsMap().containsKey("--help")) {
                sub.addMixin("help", new HelpOption());
            }
            addHelp(sub);
        }
    }
}
