package dev.deployguard.server.api;

import dev.deployguard.check.ChecklistJson;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.Identifiers;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.drill.DrillApi;
import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.JsonBody;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.Fields;

/**
 * The app part of the HTTP API: {@code GET /api/apps} and the per-app routes under {@code /api/apps/APP} (status,
 * history, traffic metrics, logs; deploy, rollback, migrate; the rollout commands promote, abort, pause and resume;
 * check and drill). Each app's platform answers through {@code ControlPlane.apps(app)} ({@code AppOperations}), so
 * nothing here knows which platform an app runs on.
 */
final class AppsApi {
    private static final Pattern APP_PATH = Pattern.compile("/api/apps/([^/]+)(/[a-z]+(?:/[a-z]+)?)?");

    private final ControlPlane cp;

    AppsApi(ControlPlane cp) {
        this.cp = cp;
    }

    /** The app named in a path under {@code /api/apps/APP}. */
    static String appOf(String method, String path) {
        Matcher m = APP_PATH.matcher(path);
        if (!m.matches()) {
            throw notFound(method, path);
        }
        return m.group(1);
    }

    /** {@code GET /api/apps}: every app of the spec and of the store, each with its status or why it has none. */
    Map<String, Object> list() {
        var names = new LinkedHashSet<String>();
        try {
            names.addAll(cp.specs().get().apps().keySet());
        } catch (DeployGuardException e) {
            // A broken spec file still lets people see what runs.
        }
        names.addAll(cp.store().apps());
        List<Map<String, Object>> apps = new ArrayList<>();
        for (String name : names) {
            apps.add(listed(name));
        }
        return Map.of("apps", apps);
    }

    /**
     * One per-app call.
     *
     * @param body the request's JSON object, read only by the calls that take one
     */
    Object route(Endpoint endpoint, String method, String path, Fields query, RequestBody.Source body, String actor)
            throws IOException {
        String app = appOf(method, path);
        return switch (endpoint) {
            case APP, STATUS -> withMetrics(app, cp.apps(app).status(app));
            case HISTORY -> cp.apps(app).historyAnswer(app);
            case ROUTER_METRICS -> cp.apps(app).trafficMetrics(app);
            case LOGS -> cp.apps(app).logs(app, query.getValue("revision") == null ? null
                    : (int) Query.number(query, "revision", 0), (int) Query.number(query, "lines", 100));
            case DEPLOY -> result(cp.apps(app).deploy(deployRequest(app, body.read(), actor)));
            case CHECK -> {
                String version = body.read().allowOnly("version").string("version");
                if (version != null) {
                    Identifiers.version(version);
                }
                yield ChecklistJson.toJson(cp.checks().checklists().run(cp.specs().app(app), version));
            }
            case PROMOTE, ABORT, PAUSE, RESUME -> {
                JsonBody b = body.read().allowOnly("full");
                var cmd = switch (endpoint) {
                    case PROMOTE -> b.bool("full", false) ? RolloutEngine.Command.PROMOTE_FULL
                            : RolloutEngine.Command.PROMOTE;
                    case ABORT -> RolloutEngine.Command.ABORT;
                    case PAUSE -> RolloutEngine.Command.PAUSE;
                    default -> RolloutEngine.Command.RESUME;
                };
                cp.specs().app(app);
                Rollout r = cp.rollouts().command(app, cmd, actor);
                yield Map.of("rollout", r, "message", describe(r));
            }
            case DRILL -> cp.drills().run(DrillApi.request(app, body.read()), actor);
            case ROLLBACK -> {
                JsonBody b = body.read().allowOnly("toRevision", "changeCause", "forceSchema");
                yield result(cp.apps(app).rollback(app, b.integer("toRevision", 1), b.string("changeCause"), actor,
                        b.bool("forceSchema", false)));
            }
            case GITOPS_RESUME -> {
                JsonBody b = body.read().allowOnly("force");
                cp.specs().app(app);
                yield cp.apps(app).resumeGitOps(app, b.bool("force", false), actor);
            }
            case MIGRATE -> {
                JsonBody b = body.read().allowOnly("version", "contract");
                yield Map.of("app", app, "message", cp.deployer().migrate(app, b.string("version"),
                        b.bool("contract", false), actor));
            }
            default -> throw notFound(method, path);
        };
    }

    /** One app of the list: a cluster that cannot be read must not hide the other apps. */
    private Map<String, Object> listed(String app) {
        try {
            return cp.apps(app).status(app);
        } catch (DeployGuardException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("app", app);
            m.put("serving", null);
            m.put("error", e.getMessage());
            return m;
        }
    }

    private static String describe(Rollout r) {
        return r.kind().words() + " rollout of revision " + r.canaryRevision() + ": " + r.phase() + ", canary weight "
                + RolloutEngine.percent(r.weight()) + (r.waiting() == null ? "" : ", waiting for " + r.waiting().text())
                + (r.outcome() == null ? "" : " (" + r.outcome() + ")");
    }

    private static Map<String, Object> result(DeployResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("release", r.release());
        m.put("previousRevision", r.previousRevision());
        m.put("switchMillis", r.switchMillis());
        m.put("message", r.message());
        return m;
    }

    /** A status with the custom metrics of the app's latest rollout (each metric's phase and measurements). */
    private Map<String, Object> withMetrics(String app, Map<String, Object> status) {
        Map<String, Object> m = new LinkedHashMap<>(status);
        m.put("metrics", cp.rollouts().metrics(app));
        m.put("held", cp.rollouts().held(app).orElse(null)); // the running rollout held: what it waits for
        return m;
    }

    private static Deployer.DeployRequest deployRequest(String app, JsonBody b, String actor) {
        b.allowOnly("version", "changeCause", "atomic", "timeout", "skipChecks");
        return new Deployer.DeployRequest(app, Identifiers.version(b.string("version")),
                Identifiers.changeCause(b.string("changeCause")), b.bool("atomic", false),
                b.duration("timeout"), actor, b.bool("skipChecks", false));
    }

    private static DeployGuardException notFound(String method, String path) {
        return DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
    }
}
