package dev.deployguard.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "migrate", description = "Run the database migrations of the serving release (or --version): its"
        + " expand migrations, or with --contract everything pending, once no rollout or bake runs.")
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", description = "The app")
    String app;
    @Option(names = "--contract", description = "Also run the contract migrations (drops, renames) a deploy held"
            + " back; afterwards older releases cannot be rolled back to without --force-schema")
    boolean contract;
    @Option(names = "--version", description = "The release whose migrations to run (default: the serving one)")
    String version;

    @Override
    public Integer call() {
        Map<String, Object> body = new LinkedHashMap<>();
        if (version != null) {
            body.put("version", version);
        }
        body.put("contract", contract);
        DeployCommand.print(root.client().post("/api/apps/" + ApiClient.enc(app) + "/migrate", body), out);
        return 0;
    }
}
