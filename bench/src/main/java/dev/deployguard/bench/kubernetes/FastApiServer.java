package dev.deployguard.bench.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * BENCHMARK SUPPORT, NOT PRODUCTION: a stand-in Kubernetes API server that keeps objects in hash maps, so a
 * request costs O(1) whatever the number of objects (fabric8's CRUD mock scans all of them on each request). It
 * serves what the control plane's Deployment canary path asks for: GET (one object, or a list filtered by an
 * equality {@code labelSelector}), POST (create), PUT (update with optimistic concurrency: 409 on a stale
 * {@code resourceVersion}; {@code /status} replaces the status only), PATCH (JSON patch and JSON merge patch) and
 * DELETE, for any resource under {@code /api/v1} or {@code /apis/GROUP/VERSION}. It plays the Deployment controller
 * in the simplest way: every Deployment it stores is at once fully rolled out (status observed, all replicas
 * updated and available). No watches, discovery, ReplicaSets of its own, or admission.
 */
final class FastApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final tools.jackson.databind.ObjectMapper JSON3 = new tools.jackson.databind.ObjectMapper();
    private static final Map<String, String> KINDS = Map.of("deployments", "Deployment", "replicasets",
            "ReplicaSet", "services", "Service", "ingresses", "Ingress", "namespaces", "Namespace", "configmaps",
            "ConfigMap", "pods", "Pod", "secrets", "Secret", "httproutes", "HTTPRoute");

    private final HttpServer http;
    private final ExecutorService workers;
    /** Collection path ({@code /apis/apps/v1/namespaces/ns/deployments}) to objects by name. */
    private final Map<String, Map<String, ObjectNode>> collections = new ConcurrentHashMap<>();
    private final AtomicLong resourceVersion = new AtomicLong(1000);
    private final LongAdder requests = new LongAdder();
    private final Map<String, LongAdder> byMethod = new ConcurrentHashMap<>();
    private final LongAdder busyNanos = new LongAdder();

    FastApiServer(int threads) throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "fast-api-server");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(workers);
        http.createContext("/", this::serve);
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    long requests() {
        return requests.sum();
    }

    Map<String, Long> requestsByMethod() {
        Map<String, Long> out = new java.util.TreeMap<>();
        byMethod.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Time spent answering, summed over the server's threads. */
    long busyNanos() {
        return busyNanos.sum();
    }

    private void serve(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        requests.increment();
        byMethod.computeIfAbsent(ex.getRequestMethod(), m -> new LongAdder()).increment();
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            Answer a;
            try {
                a = answer(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
                        ex.getRequestHeaders().getFirst("Content-Type"), body);
            } catch (RuntimeException e) {
                a = status(500, "InternalError", e.toString());
            }
            byte[] out = JSON.writeValueAsBytes(a.body());
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(a.code(), out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        } finally {
            busyNanos.add(System.nanoTime() - start);
        }
    }

    private record Answer(int code, JsonNode body) {
    }

    /** Where a request path points: a collection, and maybe one object in it and a subresource. */
    private record Target(String collection, String plural, String name, String sub, String apiVersion) {
        static Target of(String path) {
            List<String> s = Arrays.stream(path.split("/")).filter(x -> !x.isEmpty()).toList();
            int base = s.get(0).equals("api") ? 2 : 3;
            String apiVersion = base == 2 ? s.get(1) : s.get(1) + "/" + s.get(2);
            List<String> rest = s.subList(base, s.size());
            int plural = rest.size() >= 3 && rest.get(0).equals("namespaces") ? 2 : 0;
            String collection = "/" + String.join("/", s.subList(0, base + plural + 1));
            return new Target(collection, rest.get(plural), rest.size() > plural + 1 ? rest.get(plural + 1) : null,
                    rest.size() > plural + 2 ? rest.get(plural + 2) : null, apiVersion);
        }
    }

    private Answer answer(String method, String path, String query, String contentType, byte[] body)
            throws IOException {
        if (path.equals("/version")) {
            return new Answer(200, JSON.readTree("{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.3\"}"));
        }
        Target t = Target.of(path);
        Map<String, ObjectNode> objects = collections.computeIfAbsent(t.collection(),
                c -> new ConcurrentSkipListMap<>());
        if (t.name() == null) {
            return switch (method) {
                case "GET" -> list(t, objects, query);
                case "POST" -> create(t, objects, (ObjectNode) JSON.readTree(body));
                default -> status(405, "MethodNotAllowed", method + " " + path);
            };
        }
        synchronized (objects) {
            ObjectNode current = objects.get(t.name());
            if (method.equals("POST")) {
                return status(405, "MethodNotAllowed", method + " " + path);
            }
            if (current == null) {
                return status(404, "NotFound", t.plural() + " \"" + t.name() + "\" not found");
            }
            switch (method) {
                case "GET":
                    return new Answer(200, current);
                case "DELETE":
                    objects.remove(t.name());
                    return new Answer(200, current);
                case "PUT": {
                    ObjectNode next = (ObjectNode) JSON.readTree(body);
                    String rv = next.path("metadata").path("resourceVersion").asText("");
                    if (!rv.isEmpty() && !rv.equals(current.path("metadata").path("resourceVersion").asText())) {
                        return status(409, "Conflict", "Operation cannot be fulfilled on " + t.plural() + " \""
                                + t.name() + "\": the object has been modified; please apply your changes to the"
                                + " latest version and try again");
                    }
                    if ("status".equals(t.sub())) {
                        ObjectNode copy = current.deepCopy();
                        copy.set("status", next.get("status"));
                        next = copy;
                    } else {
                        next.set("status", current.get("status"));
                    }
                    return new Answer(200, store(t, objects, current, next));
                }
                case "PATCH": {
                    ObjectNode next;
                    if (contentType != null && contentType.startsWith("application/json-patch+json")) {
                        tools.jackson.databind.JsonNode patched = io.fabric8.zjsonpatch.JsonPatch.apply(
                                JSON3.readTree(body), JSON3.readTree(JSON.writeValueAsBytes(current)));
                        next = (ObjectNode) JSON.readTree(JSON3.writeValueAsBytes(patched));
                    } else if (contentType != null && contentType.startsWith("application/merge-patch+json")) {
                        next = (ObjectNode) merge(current.deepCopy(), JSON.readTree(body));
                    } else {
                        return status(415, "UnsupportedMediaType", "patch type " + contentType);
                    }
                    return new Answer(200, store(t, objects, current, next));
                }
                default:
                    return status(405, "MethodNotAllowed", method + " " + path);
            }
        }
    }

    private Answer list(Target t, Map<String, ObjectNode> objects, String query) {
        Map<String, String> wanted = selector(query);
        ObjectNode out = JSON.createObjectNode();
        out.put("apiVersion", t.apiVersion());
        out.put("kind", KINDS.getOrDefault(t.plural(), "Object") + "List");
        out.putObject("metadata").put("resourceVersion", Long.toString(resourceVersion.get()));
        ArrayNode items = out.putArray("items");
        for (ObjectNode o : objects.values()) {
            JsonNode labels = o.path("metadata").path("labels");
            if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.path(e.getKey()).asText(null)))) {
                items.add(o);
            }
        }
        return new Answer(200, out);
    }

    private Answer create(Target t, Map<String, ObjectNode> objects, ObjectNode o) {
        String name = o.path("metadata").path("name").asText("");
        synchronized (objects) {
            if (objects.containsKey(name)) {
                return status(409, "AlreadyExists", t.plural() + " \"" + name + "\" already exists");
            }
            ObjectNode meta = (ObjectNode) o.get("metadata");
            meta.put("uid", UUID.randomUUID().toString());
            meta.put("creationTimestamp", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            meta.put("generation", 1);
            if (t.collection().contains("/namespaces/")) {
                meta.put("namespace", t.collection().split("/namespaces/")[1].split("/")[0]);
            }
            return new Answer(201, store(t, objects, null, o));
        }
    }

    /** Stores {@code next} with a new resourceVersion (and generation when the spec changed). */
    private ObjectNode store(Target t, Map<String, ObjectNode> objects, ObjectNode current, ObjectNode next) {
        ObjectNode meta = (ObjectNode) next.get("metadata");
        if (current != null) {
            JsonNode was = current.get("metadata");
            meta.set("uid", was.get("uid"));
            meta.set("creationTimestamp", was.get("creationTimestamp"));
            long generation = was.path("generation").asLong(1);
            meta.put("generation", java.util.Objects.equals(current.get("spec"), next.get("spec")) ? generation
                    : generation + 1);
        }
        meta.put("resourceVersion", Long.toString(resourceVersion.incrementAndGet()));
        if (t.plural().equals("deployments")) {
            rolledOut(next);
        }
        objects.put(meta.get("name").asText(), next);
        return next;
    }

    /** The Deployment controller, instantly: every wanted replica updated and available. */
    private static void rolledOut(ObjectNode d) {
        int replicas = d.path("spec").path("replicas").asInt(1);
        ObjectNode s = d.putObject("status");
        s.put("observedGeneration", d.path("metadata").path("generation").asLong(1));
        s.put("replicas", replicas);
        s.put("updatedReplicas", replicas);
        s.put("readyReplicas", replicas);
        s.put("availableReplicas", replicas);
        ArrayNode conditions = s.putArray("conditions");
        conditions.addObject().put("type", "Available").put("status", "True").put("reason",
                "MinimumReplicasAvailable");
        conditions.addObject().put("type", "Progressing").put("status", "True").put("reason",
                "NewReplicaSetAvailable");
    }

    private static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode out = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
        patch.properties().forEach(e -> {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), merge(out.get(e.getKey()), e.getValue()));
            }
        });
        return out;
    }

    private static Map<String, String> selector(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null) {
            return out;
        }
        for (String param : rawQuery.split("&")) {
            int eq = param.indexOf('=');
            if (eq < 0 || !param.substring(0, eq).equals("labelSelector")) {
                continue;
            }
            for (String term : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8).split(",")) {
                String[] kv = term.split("==?", 2);
                if (kv.length == 2) {
                    out.put(kv[0].trim(), kv[1].trim());
                }
            }
        }
        return out;
    }

    private static Answer status(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode();
        s.put("apiVersion", "v1");
        s.put("kind", "Status");
        s.put("status", "Failure");
        s.put("message", message);
        s.put("reason", reason);
        s.put("code", code);
        return new Answer(code, s);
    }

    @Override
    public void close() {
        http.stop(0);
        workers.shutdownNow();
    }
}
