package dev.deployguard.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "logs", description = "Print the last lines of each instance's log (newest revision by default).")
final class LogsCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;

    @Parameters(index = "0", description = "The app")
    String app;
    @Option(names = "--revision", description = "Which revision's instances")
    Integer revision;
    @Option(names = {"-n", "--lines"}, defaultValue = "100", description = "Lines per instance (default: 100)")
    int lines;

    @Override
    public Integer call() {
        String q = "?lines=" + lines + (revision == null ? "" : "&revision=" + revision);
        System.out.print(root.client().getText("/api/apps/" + ApiClient.enc(app) + "/logs" + q));
        return 0;
    }
}
