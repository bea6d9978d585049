package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code stop}, {@code delete} and {@code down}: taking apps of the local platform down, each one POST. */
final class TeardownCommands {
    private TeardownCommands() {
    }

    @Command(name = "stop", description = "Stop an app: its instances and router go down, its history stays"
            + " (recorded as an app.stopped event). Deploy it again to bring it back.")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;

        @Override
        public Integer call() {
            JsonNode r = root.client().post("/api/apps/" + ApiClient.enc(app) + "/stop", Map.of());
            out.print(r, () -> r.path("message").asText() + "\n");
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete an app: stop it, then remove its revisions, events, rollouts and"
            + " logs (incidents stay). --keep-history keeps them, as helm uninstall --keep-history does.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Parameters(index = "0", description = "The app")
        String app;
        @Option(names = "--keep-history", description = "Keep the app's revisions, events and logs")
        boolean keepHistory;

        @Override
        public Integer call() {
            JsonNode r = root.client().post("/api/apps/" + ApiClient.enc(app) + "/delete",
                    Map.of("keepHistory", keepHistory));
            out.print(r, () -> r.path("message").asText() + "\n");
            return 0;
        }
    }

    @Command(name = "down", description = "Stop everything this control plane started on this host (every app's"
            + " instances and router; history kept), then the control plane itself unless --keep-server.")
    static final class Down implements Callable<Integer> {
        @ParentCommand
        DeployGuard root;
        @Mixin
        Output out;
        @Option(names = "--keep-server", description = "Leave the control plane running")
        boolean keepServer;

        @Override
        public Integer call() {
            ApiClient api = root.client();
            JsonNode r = api.post("/api/down", Map.of());
            String server = keepServer ? "" : stopServer(api);
            out.print(r, () -> {
                var sb = new StringBuilder();
                for (JsonNode a : r.path("apps")) {
                    sb.append(a.path("message").asText()).append('\n');
                }
                return sb.append(r.path("message").asText()).append('\n').append(server).toString();
            });
            if (out.machineReadable() && !server.isEmpty()) {
                System.err.print(server);
            }
            return 0;
        }

        /**
         * Ends the control plane process with SIGTERM (its shutdown hook closes the store and removes server.json).
         * Only a process on this host that the API itself names by PID, and that the state directory's server.json
         * names too: a --server URL of another host is never mistaken for a local process.
         */
        private String stopServer(ApiClient api) {
            long pid = api.get("/api/health").path("pid").asLong(-1);
            Path info = root.stateDir().resolve("server.json");
            long recorded;
            try {
                JsonNode n = Json.mapper().readTree(Files.readString(info));
                recorded = n.path("url").asText().equals(api.baseUrl()) ? n.path("pid").asLong(-2) : -2;
            } catch (IOException e) {
                recorded = -2;
            }
            if (pid != recorded) {
                return "the control plane at " + api.baseUrl() + " is not the one recorded in " + info
                        + "; it keeps running (stop it where it runs)\n";
            }
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty()) {
                return "";
            }
            p.get().destroy();
            try {
                p.get().onExit().get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeployGuardException(ExitCode.FAILURE, "interrupted while the control plane (pid " + pid
                        + ") was stopping");
            } catch (ExecutionException | TimeoutException e) {
                throw new DeployGuardException(ExitCode.FAILURE, "asked the control plane (pid " + pid + ") to stop,"
                        + " but it is still running after 30 s; stop it with: kill " + pid);
            }
            return "control plane (pid " + pid + ") stopped\n";
        }
    }
}
