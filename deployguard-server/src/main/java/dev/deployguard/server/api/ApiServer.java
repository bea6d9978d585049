package dev.deployguard.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.check.ChecklistJson;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.json.Json;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Identifiers;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.NotLeaderException;
import dev.deployguard.server.backup.BackupApi;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.drill.DrillApi;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.server.incident.IncidentApi;
import dev.deployguard.server.request.JsonBody;
import dev.deployguard.server.teardown.TeardownApi;
import dev.deployguard.spec.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The control plane's HTTP API (JSON). Every request needs {@code Authorization: Bearer <token>}; only a server
 * bound to loopback may be started in demo mode without one.
 */
public final class ApiServer implements AutoCloseable {
    private static final Pattern APP_PATH = Pattern.compile("/api/apps/([^/]+)(/[a-z]+)?");
    /** The largest request body read (1 MiB): every body the API takes is a few fields of text. */
    static final int MAX_BODY = 1 << 20;
    static final int MAX_HEADERS = 16 << 10;
    private static final long MAX_DRAINED = 16L << 20;

    private final ControlPlane cp;
    private final ObjectMapper json = Json.mapper();
    private final Server server;
    private final byte[] token;
    private final boolean demo;

    public ApiServer(ControlPlane cp, String host, int port, boolean demo) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot resolve server listen host '" + host + "'");
        }
        if (demo && !address.isLoopbackAddress()) {
            throw DeployGuardException.badInput("demo mode (no API token) is only allowed on a loopback address;"
                    + " got " + host);
        }
        this.cp = cp;
        this.demo = demo;
        this.token = cp.apiToken().getBytes(StandardCharsets.UTF_8);
        var pool = new QueuedThreadPool(32, 4);
        pool.setName("deployguard-api");
        this.server = new Server(pool);
        // Headers are bounded before anything parses them: a request line plus headers over MAX_HEADERS is
        // refused with 431 by Jetty (answered as JSON by the error handler below), like a body over MAX_BODY.
        var http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADERS);
        http.setSendServerVersion(false);
        var connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(address.getHostAddress());
        connector.setPort(port);
        connector.setIdleTimeout(Duration.ofMinutes(30).toMillis());
        server.addConnector(connector);
        // Whatever Jetty refuses before our handler runs (an encoded slash like /api/apps/..%2Fx, a bad header)
        // is answered in the API's own JSON shape, never an HTML page.
        server.setErrorHandler((request, response, callback) -> {
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            int status = response.getStatus() >= 400 ? response.getStatus() : 400;
            send(response, callback, status, Map.of("error", "request refused (" + status + (message == null ? ""
                    : ": " + message) + "); app names are lowercase letters, digits and '-'", "exitCode",
                    ExitCode.BAD_INPUT.code()));
            return true;
        });
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                serve(request, response, callback);
                return true;
            }
        });
    }

    public void start() {
        try {
            server.start();
        } catch (Exception e) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "cannot start the API server: " + e.getMessage()
                    + (e instanceof IOException ? " (is another control plane running on that port?)" : ""), e);
        }
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public String url() {
        var c = (ServerConnector) server.getConnectors()[0];
        String host = c.getHost().contains(":") ? "[" + c.getHost() + "]" : c.getHost();
        return "http://" + host + ":" + c.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping a server that failed to start.
        }
    }

    private void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            if (!"/api/health".equals(path) && !authorized(request)) {
                send(response, callback, 401, Map.of("error", "missing or wrong API token: send 'Authorization:"
                        + " Bearer <token>' (the token is in the state directory's api.token)",
                        "exitCode", ExitCode.BAD_INPUT.code()));
                return;
            }
            List<LoopHealth.Problem> problems = "/api/health".equals(path) ? cp.healthProblems() : List.of();
            if (!problems.isEmpty()) {
                send(response, callback, 503, unhealthy(problems));
                return;
            }
            if (changes(method, path)) {
                cp.requireLeader("make changes (" + method + " " + path + ")");
            }
            String actor = actor(request);
            Fields query = Request.extractQueryParameters(request);
            Object body = route(method, path, query, request, actor);
            if (body instanceof String text) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                Content.Sink.write(response, true, text, callback);
                return;
            }
            send(response, callback, 200, body);
        } catch (NotLeaderException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", e.getMessage());
            m.put("exitCode", e.exitCode().code());
            m.put("leader", e.leader());
            send(response, callback, 503, m);
        } catch (DeployGuardException e) {
            int status = e instanceof BodyTooLarge ? 413 : switch (e.exitCode()) {
                case BAD_INPUT -> 400;
                case NOT_FOUND -> 404;
                case BUSY -> 409;
                case DEPLOY_FAILED -> 422;
                case UNREACHABLE -> 502;
                default -> 500;
            };
            send(response, callback, status, Map.of("error", e.getMessage(), "exitCode", e.exitCode().code()));
        } catch (RuntimeException | IOException e) {
            send(response, callback, 500, Map.of("error", "internal error: " + e, "exitCode",
                    ExitCode.FAILURE.code()));
        }
    }

    private Object route(String method, String path, Fields query, Request request, String actor)
            throws IOException {
        if (path.equals("/api/health")) {
            return Map.of("status", "ok", "pid", ProcessHandle.current().pid(), "role", cp.role());
        }
        if (path.equals("/api/apps") && method.equals("GET")) {
            var names = new java.util.LinkedHashSet<String>();
            try {
                names.addAll(cp.specs().get().apps().keySet());
            } catch (DeployGuardException e) {
                // A broken spec file still lets people see what runs.
            }
            names.addAll(cp.store().apps());
            List<Map<String, Object>> apps = new ArrayList<>();
            for (String name : names) {
                apps.add(cp.kubernetes().manages(name) ? kubernetesStatus(name) : status(name));
            }
            return Map.of("apps", apps);
        }
        if (path.equals("/api/events") && method.equals("GET")) {
            return events(null, query);
        }
        if (path.equals("/api/backups") && method.equals("POST")) {
            JsonBody b = body(request, "POST " + path).allowOnly("dir", "keyEnv", "keep", "maxAge");
            return BackupApi.create(cp, b.string("dir"), b.string("keyEnv"), b.integer("keep", 1),
                    b.duration("maxAge"), actor);
        }
        if (IncidentApi.serves(path)) {
            return new IncidentApi(cp.incidents()).route(method, path, query.getValue("app"),
                    method.equals("POST") ? body(request, method + " " + path) : null, actor);
        }
        if (TeardownApi.serves(method, path)) {
            return new TeardownApi(cp.teardown()).route(path, body(request, method + " " + path), actor);
        }
        Matcher m = APP_PATH.matcher(path);
        if (!m.matches()) {
            throw DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
        }
        String app = m.group(1);
        String action = m.group(2) == null ? "" : m.group(2);
        if (cp.kubernetes().manages(app)) {
            Object answer = kubernetes(app, method + " " + action, request, actor);
            if (answer != null) {
                return answer;
            }
        }
        String endpoint = method + " " + path;
        return switch (method + " " + action) {
            case "GET /status", "GET " -> status(app);
            case "GET /history" -> Map.of("app", app, "releases", history(app));
            case "GET /events" -> events(app, query);
            case "GET /metrics" -> cp.routers().client(app).metrics();
            case "GET /logs" -> logs(app, query);
            case "POST /deploy" -> result(cp.deployer().deploy(deployRequest(app, body(request, endpoint), actor)));
            case "POST /check" -> {
                String version = body(request, endpoint).allowOnly("version").string("version");
                if (version != null) {
                    Identifiers.version(version);
                }
                yield ChecklistJson.toJson(cp.checks().checklists().run(cp.specs().app(app), version));
            }
            case "POST /promote", "POST /abort", "POST /pause", "POST /resume" -> {
                JsonBody b = body(request, endpoint).allowOnly("full");
                var cmd = switch (action) {
                    case "/promote" -> b.bool("full", false) ? RolloutEngine.Command.PROMOTE_FULL
                            : RolloutEngine.Command.PROMOTE;
                    case "/abort" -> RolloutEngine.Command.ABORT;
                    case "/pause" -> RolloutEngine.Command.PAUSE;
                    default -> RolloutEngine.Command.RESUME;
                };
                cp.specs().app(app);
                Rollout r = cp.rollouts().command(app, cmd, actor);
                yield Map.of("rollout", r, "message", describe(r));
            }
            case "POST /drill" -> cp.drills().run(DrillApi.request(app, body(request, endpoint)), actor);
            case "POST /rollback" -> {
                JsonBody b = body(request, endpoint).allowOnly("toRevision", "changeCause", "forceSchema");
                yield result(cp.deployer().rollback(app, b.integer("toRevision", 1), b.string("changeCause"), actor,
                        b.bool("forceSchema", false)));
            }
            default -> throw DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
        };
    }

    /** One app of the list: a cluster that cannot be read must not hide the other apps. */
    private Map<String, Object> kubernetesStatus(String app) {
        try {
            return cp.kubernetes().status(app);
        } catch (DeployGuardException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("app", app);
            m.put("serving", null);
            m.put("error", e.getMessage());
            return m;
        }
    }

    /** Apps on Kubernetes: the same endpoints, answered from the cluster; null for endpoints served as usual. */
    private Object kubernetes(String app, String call, Request request, String actor) throws IOException {
        var k = cp.kubernetes();
        return switch (call) {
            case "GET /status", "GET " -> withMetrics(app, k.status(app));
            case "GET /history" -> k.historyAnswer(app);
            case "POST /deploy" -> result(k.deploy(deployRequest(app, body(request, "POST /api/apps/" + app
                    + "/deploy"), actor)));
            case "POST /rollback" -> {
                JsonBody b = body(request, "POST /api/apps/" + app + "/rollback").allowOnly("toRevision",
                        "changeCause", "forceSchema");
                yield result(k.rollback(app, b.integer("toRevision", 1), b.string("changeCause"), actor,
                        b.bool("forceSchema", false)));
            }
            default -> null;
        };
    }

    /**
     * Whether a request may change something, so only the leader replica serves it. Every write is a POST; the
     * checklist ({@code POST /check}) only reads and is served by any replica.
     */
    static boolean changes(String method, String path) {
        return !method.equals("GET") && !method.equals("HEAD") && !path.endsWith("/check");
    }

    static String describe(Rollout r) {
        return r.kind() + " rollout of revision " + r.canaryRevision() + ": " + r.phase() + ", canary weight "
                + RolloutEngine.percent(r.weight()) + (r.waiting() == null ? "" : ", waiting for " + r.waiting().text())
                + (r.outcome() == null ? "" : " (" + r.outcome() + ")");
    }

    private Map<String, Object> result(DeployResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("release", r.release());
        m.put("previousRevision", r.previousRevision());
        m.put("switchMillis", r.switchMillis());
        m.put("message", r.message());
        return m;
    }

    /** Read-only views work from the store alone, so a broken spec file does not hide history. */
    private void requireApp(String app) {
        if (cp.store().history(app).isEmpty()) {
            cp.specs().app(app);
        }
    }

    private Map<String, Object> status(String app) {
        requireApp(app);
        List<Release> history = cp.store().history(app);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", app);
        m.put("serving", history.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).reduce((a, b) -> b)
                .orElse(null));
        List<Map<String, Object>> instances = new ArrayList<>();
        for (Instance i : cp.store().instances(app)) {
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("revision", i.revision());
            im.put("index", i.index());
            im.put("pid", i.pid());
            im.put("port", i.port());
            im.put("alive", cp.platform().isAlive(i));
            im.put("startedAt", i.startedAt());
            im.put("log", i.logFile());
            instances.add(im);
        }
        m.put("instances", instances);
        m.put("routes", cp.store().routes(app).orElse(null));
        m.put("router", cp.store().router(app).map(this::router).orElse(null));
        m.put("lock", cp.store().currentLock(app).orElse(null));
        m.put("rollout", cp.store().rollouts(app, 1).stream().findFirst().orElse(null));
        m.put("metrics", cp.rollouts().metrics(app));
        return m;
    }

    /** A status with the custom metrics of the app's latest rollout (each metric's phase and measurements). */
    private Map<String, Object> withMetrics(String app, Map<String, Object> status) {
        Map<String, Object> m = new LinkedHashMap<>(status);
        m.put("metrics", cp.rollouts().metrics(app));
        return m;
    }

    /** 503's body: which loop is stuck or starved, since when, and what that means for users. */
    private static Map<String, Object> unhealthy(List<LoopHealth.Problem> problems) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (LoopHealth.Problem p : problems) {
            list.add(Map.of("loop", p.loop(), "state", p.state(), "since", p.since().toString(), "detail",
                    p.detail()));
        }
        LoopHealth.Problem first = problems.get(0);
        return Map.of("status", "unhealthy", "pid", ProcessHandle.current().pid(), "problems", list, "error",
                "the " + first.loop() + " loop is " + first.state() + " since " + first.since() + ": "
                        + first.detail() + "; crashed instances and routers may not be restarted meanwhile (a"
                        + " thread dump, `jstack " + ProcessHandle.current().pid() + "`, shows where it waits)",
                "exitCode", ExitCode.FAILURE.code());
    }

    /** The router record with "alive" checked by pid and process start: a dead pid is never shown as running. */
    private Map<String, Object> router(dev.deployguard.store.Store.RouterRecord r) {
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

    private List<Release> history(String app) {
        requireApp(app);
        return cp.store().history(app);
    }

    private Map<String, Object> events(String app, Fields query) {
        if (app != null) {
            requireApp(app);
        }
        long after = longParam(query, "after", 0);
        int limit = (int) Math.min(longParam(query, "limit", 1000), 10_000);
        Instant since = null;
        String s = query.getValue("since");
        if (s != null) {
            since = Instant.now().minus(duration(s, "since"));
        }
        List<Event> list = cp.store().events(app, after, since, limit);
        return Map.of("events", list);
    }

    private String logs(String app, Fields query) throws IOException {
        requireApp(app);
        List<Instance> all = cp.store().instances(app);
        Integer revision = query.getValue("revision") == null ? null : (int) longParam(query, "revision", 0);
        int lines = (int) longParam(query, "lines", 100);
        List<Instance> chosen = all.stream().filter(i -> revision == null || i.revision() == revision).toList();
        if (revision == null && !chosen.isEmpty()) {
            int newest = chosen.stream().mapToInt(Instance::revision).max().getAsInt();
            chosen = chosen.stream().filter(i -> i.revision() == newest).toList();
        }
        if (chosen.isEmpty()) {
            // Instances of failed or stopped releases are gone from the store; their logs are not.
            Path dir = cp.stateDir().resolve("logs").resolve(app);
            String prefix = app + "-r" + (revision == null ? "" : revision + "-");
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    List<Path> logs = files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted()
                            .toList();
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
        var sb = new StringBuilder();
        for (Instance i : chosen) {
            sb.append("==> revision ").append(i.revision()).append(" instance ").append(i.index()).append(" (pid ")
                    .append(i.pid()).append(", ").append(i.logFile()).append(") <==\n")
                    .append(tail(Path.of(i.logFile()), lines)).append('\n');
        }
        return sb.toString();
    }

    private static String tail(Path file, int lines) throws IOException {
        if (!Files.exists(file)) {
            return "(no log file)";
        }
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private boolean authorized(Request request) {
        if (demo) {
            return true;
        }
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (h == null || !h.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(token, h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static String actor(Request request) {
        String a = request.getHeaders().get("X-DeployGuard-Actor");
        if (a == null || a.isBlank()) {
            a = "api@" + Request.getRemoteAddr(request);
        }
        return a.length() > 128 ? a.substring(0, 128) : a;
    }

    private static Deployer.DeployRequest deployRequest(String app, JsonBody b, String actor) {
        b.allowOnly("version", "changeCause", "atomic", "timeout", "skipChecks");
        return new Deployer.DeployRequest(app, Identifiers.version(b.string("version")),
                Identifiers.changeCause(b.string("changeCause")), b.bool("atomic", false),
                b.duration("timeout"), actor, b.bool("skipChecks", false));
    }

    /**
     * The request's JSON object, read up to {@link #MAX_BODY} bytes: a larger body is refused (413) before it is
     * read in full, so a runaway client cannot fill the control plane's memory.
     */
    private static JsonBody body(Request request, String endpoint) throws IOException {
        long declared = request.getLength();
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (declared > MAX_BODY) {
                drain(in);
                throw new BodyTooLarge(endpoint, declared + " bytes");
            }
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                drain(in);
                throw new BodyTooLarge(endpoint, "more than " + MAX_BODY + " bytes");
            }
            return JsonBody.parse(new String(bytes, StandardCharsets.UTF_8), endpoint);
        }
    }

    /**
     * Reads and drops the rest of a refused body (up to {@link #MAX_DRAINED}): a server that closes a connection with
     * unread data makes the kernel reset it, and the client sees a broken connection instead of the 413 and its
     * message. Beyond that much, the connection is closed anyway.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = MAX_DRAINED;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0) {
            left -= n;
        }
    }

    /** A request body over the limit: bad input, answered with 413. */
    private static final class BodyTooLarge extends DeployGuardException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge(String endpoint, String size) {
            super(ExitCode.BAD_INPUT, "the body of " + endpoint + " is too large (" + size + "); the API takes at most "
                    + MAX_BODY / 1024 + " KiB per request (notes and titles are clipped far below that)");
        }
    }

    private static Duration duration(String text, String what) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput(what + ": " + e.getMessage());
        }
    }

    private static long longParam(Fields query, String name, long dflt) {
        String v = query.getValue(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput(name + " must be a number, got '" + v + "'");
        }
    }

    private void send(Response response, Callback callback, int status, Object body) {
        try {
            byte[] bytes = json.writeValueAsBytes(body);
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

}
