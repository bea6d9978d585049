package dev.deployguard.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "rollback", description = "Roll back to the previous release, or to --to-revision N. Creates a new"
        + " revision that copies the target; traffic moves to warm processes first, cleanup comes after.")
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", description = "The app")
    String app;
    @Option(names = "--to-revision", description = "The revision to roll back to (default: the previous one)")
    Integer toRevision;
    @Option(names = "--change-cause", description = "Why (default: 'Rollback to N')")
    String changeCause;
    @Option(names = "--force-schema", description = "Roll back even though the database holds a contract migration"
            + " newer than the target release knows (recorded with your name); prefer rolling forward")
    boolean forceSchema;

    @Override
    public Integer call() {
        if (toRevision != null && toRevision < 1) {
            throw dev.deployguard.error.DeployGuardException.badInput("--to-revision must be 1 or more");
        }
        ApiClient api = root.client();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("toRevision", toRevision);
        body.put("changeCause", changeCause);
        if (forceSchema) {
            // Only sent when set, so a control plane without the schema guard still accepts plain rollbacks.
            body.put("forceSchema", true);
        }
        Progress progress = new Progress(api, app, out.machineReadable());
        com.fasterxml.jackson.databind.JsonNode r;
        try {
            r = api.post("/api/apps/" + ApiClient.enc(app) + "/rollback", body);
            r = RollbackFollow.await(api, app, r); // a slot started again first: its outcome, from the ticks
        } finally {
            progress.close();
        }
        DeployCommand.print(r, out);
        return 0;
    }
}
