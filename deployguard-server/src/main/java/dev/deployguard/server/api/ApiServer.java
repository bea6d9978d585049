package dev.deployguard.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.NotLeaderException;
import dev.deployguard.server.access.ApiTokens;
import dev.deployguard.server.access.Audit;
import dev.deployguard.server.access.TokenApi;
import dev.deployguard.server.backup.BackupApi;
import dev.deployguard.server.dashboard.Dashboard;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.server.incident.IncidentApi;
import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.JsonBody;
import dev.deployguard.server.request.Principal;
import dev.deployguard.server.teardown.TeardownApi;
import dev.deployguard.server.telemetry.ControlPlaneMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>This class is the Jetty setup, the gate every call passes ({@link Authentication}, health, leadership), the
 * dispatch of each {@link Endpoint} to the handler of its resource ({@link AppsApi}, {@link EventsApi},
 * {@link TokenApi}, {@link IncidentApi}, {@link BackupApi}, {@link TeardownApi}, {@link ControlPlaneMetrics},
 * {@link HealthApi}), the audit of changes, and the mapping of errors to statuses.
 */
public final class ApiServer implements AutoCloseable {
    /** The largest request body read (1 MiB): every body the API takes is a few fields of text. */
    static final int MAX_BODY = RequestBody.MAX_BODY;
    static final int MAX_HEADERS = 16 << 10;

    private final ControlPlane cp;
    private final ObjectMapper json = Json.mapper();
    private final Server server;
    private final TokenApi tokenApi;
    private final Audit audit;
    private final ControlPlaneMetrics metrics;
    private final Dashboard dashboard;
    private final Authentication authentication;
    private final AppsApi apps;
    private final EventsApi events;

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
        ApiTokens tokens = new ApiTokens(cp.store(), cp.apiToken(), Clock.systemUTC());
        this.tokenApi = new TokenApi(tokens);
        this.audit = new Audit(cp.events());
        this.metrics = new ControlPlaneMetrics(cp, Clock.systemUTC());
        this.apps = new AppsApi(cp);
        this.events = new EventsApi(cp);
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
        this.dashboard = new Dashboard(cp, this::read, demo, tokens::authenticate);
        this.authentication = new Authentication(tokens, dashboard.sessions(), demo);
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
        dashboard.close(); // open event streams end first, so stopping does not wait for them
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping a server that failed to start.
        }
    }

    /**
     * Serves one request. A call that would change something is recorded in the audit trail before it is answered,
     * so whoever reads the trail after an answer finds the call in it.
     */
    private void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (Dashboard.serves(path)) {
            dashboard.handle(request, response, callback);
            return;
        }
        Endpoint endpoint = Endpoint.find(method, path).orElse(null);
        Answer answer = answer(request, method, path, endpoint);
        metrics.apiRequest(endpoint, answer.status());
        if (Audit.audited(method, endpoint)) {
            Object p = request.getAttribute(Principal.ATTRIBUTE);
            audit.record(new Audit.Call(method, path, endpoint, p instanceof Principal principal ? principal : null,
                    Principal.onBehalfOf(request), Request.getRemoteAddr(request), answer.status(), answer.error()));
        }
        if (answer.body() instanceof String text) {
            response.setStatus(answer.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, endpoint == Endpoint.PROMETHEUS_METRICS
                    ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
            Content.Sink.write(response, true, text, callback);
            return;
        }
        send(response, callback, answer.status(), answer.body());
    }

    /** The gate (token, role, health, leadership), then the endpoint's handler; every failure as a status. */
    private Answer answer(Request request, String method, String path, Endpoint endpoint) {
        try {
            Optional<Answer> refusal = authentication.refusal(request, method, path, endpoint);
            if (refusal.isPresent()) {
                return refusal.get();
            }
            List<LoopHealth.Problem> problems = endpoint == Endpoint.HEALTH ? cp.healthProblems() : List.of();
            if (!problems.isEmpty()) {
                return new Answer(503, HealthApi.unhealthy(problems));
            }
            if (endpoint.changes()) {
                cp.requireLeader("make changes (" + method + " " + path + ")");
            }
            Fields query = Request.extractQueryParameters(request);
            return new Answer(200, route(endpoint, method, path, query, request, Authentication.actor(request)));
        } catch (NotLeaderException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", e.getMessage());
            m.put("exitCode", e.exitCode().code());
            m.put("leader", e.leader());
            return new Answer(503, m);
        } catch (DeployGuardException e) {
            // A write refused by the fencing epoch: this replica lost the lead while it worked, as a follower's 503.
            int status = e instanceof RequestBody.TooLarge ? 413 : e instanceof dev.deployguard.store.FencedException
                    ? 503 : switch (e.exitCode()) {
                case BAD_INPUT -> 400;
                case NOT_FOUND -> 404;
                case BUSY -> 409;
                case DEPLOY_FAILED -> 422;
                case UNREACHABLE -> 502;
                default -> 500;
            };
            return new Answer(status, Map.of("error", e.getMessage(), "exitCode", e.exitCode().code()));
        } catch (RuntimeException | IOException e) {
            return new Answer(500, Map.of("error", "internal error: " + e, "exitCode", ExitCode.FAILURE.code()));
        }
    }

    /**
     * Hands one call to its resource's handler. The switch has no default: a new {@link Endpoint} does not compile
     * until it is served here.
     *
     * @param request the Jetty request, whose body is read only by the calls that take one (null for the
     *                dashboard's reads, which are GETs)
     */
    private Object route(Endpoint endpoint, String method, String path, Fields query, Request request,
                         String actor) throws IOException {
        String call = method + " " + path;
        RequestBody.Source body = () -> RequestBody.read(request, call);
        return switch (endpoint) {
            case HEALTH -> HealthApi.ok(cp.role());
            case PROMETHEUS_METRICS -> metrics.scrape();
            case APPS -> apps.list();
            case EVENTS -> events.list(null, query);
            case APP_EVENTS -> events.list(AppsApi.appOf(method, path), query);
            case BACKUP -> {
                JsonBody b = body.read().allowOnly("dir", "keyEnv", "keep", "maxAge");
                yield BackupApi.create(cp, b.string("dir"), b.string("keyEnv"), b.integer("keep", 1),
                        b.duration("maxAge"), actor);
            }
            case BACKUP_EVENT -> BackupApi.record(cp, body.read().allowOnly("target", "action", "backup", "ok", "where",
                    "detail", "restoreMillis"), actor);
            case TOKENS -> tokenApi.route(endpoint, path, null, actor);
            case TOKEN_CREATE, TOKEN_REVOKE -> tokenApi.route(endpoint, path, body.read(), actor);
            case INCIDENTS, INCIDENT_OPEN, INCIDENT, INCIDENT_NOTE, INCIDENT_CLOSE, INCIDENT_REPORT ->
                    new IncidentApi(cp.incidents()).route(method, path, query.getValue("app"),
                            method.equals("POST") ? body.read() : null, actor);
            case DOWN, STOP, DELETE -> new TeardownApi(cp.teardown()).route(path, body.read(), actor);
            case APP, STATUS, HISTORY, ROUTER_METRICS, LOGS, CHECK, DEPLOY, PROMOTE, ABORT, PAUSE, RESUME, ROLLBACK,
                    DRILL, MIGRATE, GITOPS_RESUME -> apps.route(endpoint, method, path, query, body, actor);
        };
    }

    /** The API's own answer to a GET, as JSON, for the dashboard's pages. */
    private JsonNode read(String path, Map<String, String> query) {
        Fields fields = new Fields();
        query.forEach(fields::add);
        Endpoint endpoint = Endpoint.find("GET", path).orElseThrow(() -> DeployGuardException.notFound(
                "no such API endpoint: GET " + path));
        try {
            return json.valueToTree(route(endpoint, "GET", path, fields, null, "dashboard"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
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
