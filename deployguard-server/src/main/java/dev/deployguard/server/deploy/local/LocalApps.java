package dev.deployguard.server.deploy.local;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.deploy.AppOperations;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Apps that run as local processes behind DeployGuard's router: status and history from the store (so a broken
 * spec file does not hide what runs), instances checked by pid and process start, logs from the state directory.
 */
public final class LocalApps implements AppOperations {
    /**
     * What git does after a local rollback (the restore commit of {@code gitops.git}) and what {@code status} shows
     * of it: the server's GitCatchUp, seen through this port so the local platform does not depend on it.
     */
    public interface GitFollowUp {
        /** Writes (or queues) the restore commit; a sentence for the rollback's answer, or null when not wired. */
        String afterRollback(AppSpec app, Release bad, Release good, boolean toRevision, String actor);

        /** The app's git state for {@code status}, or null. */
        Map<String, Object> state(AppSpec app);
    }

    private final Store store;
    private final SpecSource specs;
    private final Deployer deployer;
    private final LocalPlatform platform;
    private final Path stateDir;
    private final RouterProcesses routers;
    private final GitFollowUp gitops;

    public LocalApps(Store store, SpecSource specs, Deployer deployer, LocalPlatform platform, Path stateDir,
                     RouterProcesses routers, GitFollowUp gitops) {
        this.routers = routers;
        this.gitops = gitops;
        this.store = store;
        this.specs = specs;
        this.deployer = deployer;
        this.platform = platform;
        this.stateDir = stateDir;
    }

    @Override
    public Map<String, Object> status(String app) {
        requireApp(app);
        List<Release> history = store.history(app);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", app);
        m.put("serving", history.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).reduce((a, b) -> b)
                .orElse(null));
        List<Map<String, Object>> instances = new ArrayList<>();
        for (Instance i : store.instances(app)) {
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("revision", i.revision());
            im.put("index", i.index());
            im.put("pid", i.pid());
            im.put("port", i.port());
            im.put("alive", platform.isAlive(i));
            im.put("startedAt", i.startedAt());
            im.put("log", i.logFile());
            instances.add(im);
        }
        m.put("instances", instances);
        m.put("routes", store.routes(app).orElse(null));
        m.put("router", store.router(app).map(LocalApps::router).orElse(null));
        m.put("lock", store.currentLock(app).orElse(null));
        m.put("rollout", store.rollouts(app, 1).stream().findFirst().orElse(null));
        Map<String, Object> git = gitState(app);
        if (git != null) {
            m.put("gitops", Map.of("git", git));
        }
        return m;
    }

    @Override
    public Map<String, Object> historyAnswer(String app) {
        requireApp(app);
        return Map.of("app", app, "releases", store.history(app));
    }

    @Override
    public DeployResult deploy(Deployer.DeployRequest req) {
        return deployer.deploy(req);
    }

    @Override
    public DeployResult rollback(String app, Integer toRevision, String reason, String actor, boolean forceSchema) {
        return restoreGit(app, deployer.rollback(app, toRevision, reason, actor, forceSchema), toRevision != null,
                actor);
    }

    /**
     * After a rollback, the app's git path is set back by a restore commit when the spec has {@code gitops.git}
     * (pending and retried when git cannot be reached); the answer says what git did.
     */
    private DeployResult restoreGit(String app, DeployResult r, boolean toRevision, String actor) {
        if (r.release() == null || r.previousRevision() == null) {
            return r;
        }
        Release bad = store.release(app, r.previousRevision()).orElse(null);
        String says = gitops.afterRollback(specs.app(app), bad, r.release(), toRevision, actor);
        return r.withGit(says);
    }

    /** What {@code status} shows of the app's git; null without gitops.git. */
    private Map<String, Object> gitState(String app) {
        try {
            return specs.get().app(app).map(gitops::state).orElse(null);
        } catch (DeployGuardException e) {
            return null; // a spec that cannot be read: status shows the rest
        }
    }

    @Override
    public Object trafficMetrics(String app) {
        return routers.client(app).metrics();
    }

    @Override
    public String logs(String app, Integer revision, int lines) throws IOException {
        requireApp(app);
        List<Instance> chosen = store.instances(app).stream()
                .filter(i -> revision == null || i.revision() == revision).toList();
        if (revision == null && !chosen.isEmpty()) {
            int newest = chosen.stream().mapToInt(Instance::revision).max().getAsInt();
            chosen = chosen.stream().filter(i -> i.revision() == newest).toList();
        }
        if (chosen.isEmpty()) {
            return retiredLogs(app, revision, lines);
        }
        var sb = new StringBuilder();
        for (Instance i : chosen) {
            sb.append("==> revision ").append(i.revision()).append(" instance ").append(i.index()).append(" (pid ")
                    .append(i.pid()).append(", ").append(i.logFile()).append(") <==\n")
                    .append(tail(Path.of(i.logFile()), lines)).append('\n');
        }
        return sb.toString();
    }

    /** Instances of failed or stopped releases are gone from the store; their logs are not. */
    private String retiredLogs(String app, Integer revision, int lines) throws IOException {
        Path dir = stateDir.resolve("logs").resolve(app);
        String prefix = app + "-r" + (revision == null ? "" : revision + "-");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                List<Path> logs = files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
                if (!logs.isEmpty()) {
                    var sb = new StringBuilder();
                    for (Path p : logs) {
                        sb.append("==> ").append(p).append(" <==\n").append(tail(p, lines)).append('\n');
                    }
                    return sb.toString();
                }
            }
        }
        throw DeployGuardException.notFound("no logs for app '" + app + "'"
                + (revision == null ? "" : " revision " + revision));
    }

    /** Read-only views work from the store alone, so a broken spec file does not hide history. */
    private void requireApp(String app) {
        if (store.history(app).isEmpty()) {
            specs.app(app);
        }
    }

    private static String tail(Path file, int lines) throws IOException {
        if (!Files.exists(file)) {
            return "(no log file)";
        }
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** The router record with "alive" checked by pid and process start: a dead pid is never shown as running. */
    private static Map<String, Object> router(Store.RouterRecord r) {
        boolean alive = LocalPlatform.handle(r.pid(), r.processStart()).isPresent();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", r.app());
        m.put("pid", alive ? r.pid() : null);
        m.put("alive", alive);
        m.put("adminPort", r.adminPort());
        m.put("listen", r.listen());
        m.put("logFile", r.logFile());
        m.put("startedAt", r.startedAt());
        return m;
    }
}
