package dev.deployguard.server.teardown;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.server.request.JsonBody;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The teardown part of the HTTP API: {@code POST /api/apps/APP/stop}, {@code POST /api/apps/APP/delete}
 * ({@code {"keepHistory": true}} keeps the records) and {@code POST /api/down}. Answers are JSON maps with the
 * stopped PIDs and a message.
 */
public final class TeardownApi {
    private static final Pattern APP = Pattern.compile("/api/apps/([^/]+)/(stop|delete)");

    private final Teardown teardown;

    public TeardownApi(Teardown teardown) {
        this.teardown = teardown;
    }

    /** True for the requests this API serves. */
    public static boolean serves(String method, String path) {
        return method.equals("POST") && (path.equals("/api/down") || APP.matcher(path).matches());
    }

    /** @param body the request's JSON object (never null: every endpoint here is a POST) */
    public Map<String, Object> route(String path, JsonBody body, String actor) {
        if (path.equals("/api/down")) {
            body.allowOnly();
            List<Teardown.Result> results = teardown.down(actor);
            long instances = results.stream().mapToLong(r -> r.instancePids().size()).sum();
            // One host router serves many apps: count router processes, not the apps that had one.
            long routers = results.stream().flatMap(r -> r.routerPids().stream()).distinct().count();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("apps", results);
            m.put("message", results.isEmpty() ? "no app of this control plane runs on the local platform;"
                    + " nothing to stop" : "stopped " + results.size() + " app(s): " + instances + " instance(s) and "
                    + routers + " router process(es); history kept");
            return m;
        }
        Matcher m = APP.matcher(path);
        if (!m.matches()) {
            throw DeployGuardException.notFound("no such API endpoint: POST " + path);
        }
        String app = m.group(1);
        Teardown.Result r = switch (m.group(2)) {
            case "stop" -> {
                body.allowOnly();
                yield teardown.stop(app, actor);
            }
            default -> teardown.delete(app, body.allowOnly("keepHistory").bool("keepHistory", false), actor);
        };
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("app", r.app());
        answer.put("instancePids", r.instancePids());
        answer.put("routerPids", r.routerPids());
        answer.put("message", r.message());
        return answer;
    }
}
