package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The wrapper that makes fabric8's CRUD mock answer like an API server for real kubectl and helm (duties E, O, D,
 * P, S1–S5, L, C of {@code kubernetes-test-oracles.md}), records every request, and injects faults a test asks for.
 */
final class OracleDispatcher extends Dispatcher {
    private static final String JSON = "application/json";

    /** A canned failure for requests matching method and path prefix, used {@code times} times. */
    record Fault(String method, String pathPrefix, int status, String reason, int[] remaining) {
    }

    private final Dispatcher crud;
    private final ObjectMapper json;
    private final ProtobufJson protobuf;
    private volatile ApiDiscovery discovery;
    private final List<ApiCall> calls = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();

    OracleDispatcher(Dispatcher crud, ObjectMapper json) {
        this.crud = crud;
        this.json = json;
        this.protobuf = new ProtobufJson(json);
    }

    void discovery(ApiDiscovery discovery) {
        this.discovery = discovery;
    }

    List<ApiCall> calls() {
        return calls;
    }

    void inject(Fault fault) {
        faults.add(fault);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse response;
        try {
            response = handle(request);
        } catch (RuntimeException e) {
            response = status(500, "InternalError", "mock cluster: " + e);
        }
        if (response.getWebSocketListener() == null && response.getBody() != null && response.getBody().size() > 0
                && response.header("Content-Type") == null) {
            response.setHeader("Content-Type", JSON);
        }
        calls.add(new ApiCall(request.getMethod(), request.getPath(), response.code()));
        return response;
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }

    private MockResponse handle(RecordedRequest request) {
        String method = request.getMethod();
        String full = request.getPath();
        int q = full.indexOf('?');
        String path = q < 0 ? full : full.substring(0, q);
        String query = q < 0 ? "" : full.substring(q + 1);
        MockResponse fault = fault(method, path);
        if (fault != null) {
            return fault;
        }
        if (method.equals("GET")) {
            var doc = discovery.document(path);
            if (doc.isPresent()) {
                return ok(200, doc.get());
            }
            if (path.startsWith("/openapi/")) {
                return status(404, "NotFound", "the server could not find the requested resource");
            }
        }
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes().clone();
        String contentType = request.getHeader("Content-Type");
        if (contentType != null && contentType.startsWith("application/vnd.kubernetes.protobuf")
                && ProtobufJson.isProtobuf(body)) {
            body = protobuf.toJson(body).getBytes(StandardCharsets.UTF_8);
            contentType = JSON;
        }
        boolean dryRun = List.of(query.split("&")).contains("dryRun=All");
        return switch (method) {
            case "PATCH" -> patch(request, path, contentType, body, dryRun);
            case "POST", "PUT" -> write(request, method, full, path, contentType, body, dryRun);
            case "DELETE" -> dryRun ? delegate(request, "GET", path, null, new byte[0])
                    : delegate(request, method, full, contentType, body);
            case "GET" -> typedList(path, delegate(request, method, full, contentType, body));
            default -> delegate(request, method, full, contentType, body);
        };
    }

    private MockResponse fault(String method, String path) {
        for (Fault f : faults) {
            if (f.method().equals(method) && path.startsWith(f.pathPrefix()) && f.remaining()[0] > 0) {
                f.remaining()[0]--;
                return status(f.status(), f.reason(), "injected by the test: " + f.reason());
            }
        }
        return null;
    }

    private MockResponse write(RecordedRequest request, String method, String full, String path,
                               String contentType, byte[] body, boolean dryRun) {
        JsonNode object = body.length == 0 ? null : readTree(body);
        if (object instanceof ObjectNode o && "Secret".equals(o.path("kind").asText()) && o.has("stringData")) {
            ObjectNode data = o.withObjectProperty("data");
            o.get("stringData").properties().forEach(e -> data.put(e.getKey(),
                    Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
            o.remove("stringData");
            body = o.toString().getBytes(StandardCharsets.UTF_8);
        }
        if (dryRun) {
            if (method.equals("POST")) {
                String name = object == null ? "" : object.path("metadata").path("name").asText();
                MockResponse existing = delegate(request, "GET", path + "/" + name, null, new byte[0]);
                if (existing.code() == 200) {
                    return status(409, "AlreadyExists", "object \"" + name + "\" already exists");
                }
                return ok(201, new String(body, StandardCharsets.UTF_8));
            }
            return ok(200, new String(body, StandardCharsets.UTF_8));
        }
        return conflictReason(delegate(request, method, full, JSON, body), method.equals("POST"));
    }

    private MockResponse patch(RecordedRequest request, String path, String contentType, byte[] body,
                               boolean dryRun) {
        String objectPath = path.endsWith("/status") ? path.substring(0, path.length() - "/status".length()) : path;
        MockResponse current = delegate(request, "GET", objectPath, null, new byte[0]);
        if (current.code() != 200) {
            return status(404, "NotFound", "not found: " + objectPath);
        }
        JsonNode before = readTree(current.getBody().getBytes());
        JsonNode patch = readTree(body);
        String type = contentType == null ? "" : contentType;
        JsonNode after;
        if (type.startsWith("application/json-patch+json")) {
            after = Patches.jsonPatch(before, patch);
        } else if (type.startsWith("application/merge-patch+json")) {
            after = Patches.merge(before, patch);
        } else if (type.startsWith("application/strategic-merge-patch+json")) {
            after = Patches.strategic(before, patch);
        } else {
            return status(415, "UnsupportedMediaType", "Unsupported Media Type: " + type);
        }
        String rvBefore = before.path("metadata").path("resourceVersion").asText();
        String rvAfter = after.path("metadata").path("resourceVersion").asText();
        if (!rvAfter.isEmpty() && !rvAfter.equals(rvBefore)) {
            return status(409, "Conflict", "Operation cannot be fulfilled: the object has been modified");
        }
        ((ObjectNode) after.get("metadata")).put("resourceVersion", rvBefore);
        if (dryRun) {
            return ok(200, after.toString());
        }
        return conflictReason(delegate(request, "PUT", path, JSON, after.toString().getBytes(StandardCharsets.UTF_8)),
                false);
    }

    /** Duty L: the mock answers collections as {@code v1 List}; typed clients need e.g. {@code apps/v1 ReplicaSetList}. */
    private MockResponse typedList(String path, MockResponse response) {
        if (response.code() != 200 || response.getWebSocketListener() != null || response.getBody() == null) {
            return response;
        }
        var resource = discovery.collection(path);
        if (resource.isEmpty()) {
            return response;
        }
        JsonNode list = readTree(response.getBody().getBytes());
        if (list instanceof ObjectNode o && "List".equals(o.path("kind").asText())) {
            o.put("apiVersion", resource.get().groupVersion()).put("kind", resource.get().kind() + "List");
            response.setBody(o.toString());
        }
        return response;
    }

    /** Duty S5: the mock says "Invalid" for every 409. */
    private MockResponse conflictReason(MockResponse response, boolean create) {
        if (response.code() != 409 || response.getBody() == null) {
            return response;
        }
        JsonNode status = readTree(response.getBody().getBytes());
        if (status instanceof ObjectNode o) {
            o.put("reason", create ? "AlreadyExists" : "Conflict");
            response.setBody(o.toString());
        }
        return response;
    }

    private MockResponse delegate(RecordedRequest original, String method, String path, String contentType,
                                  byte[] body) {
        Headers.Builder headers = Headers.builder();
        for (Map.Entry<String, List<String>> h : original.getHeaders().toMultimap().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("Content-Type") && !h.getKey().equalsIgnoreCase("Content-Length")) {
                h.getValue().forEach(v -> headers.add(h.getKey(), v));
            }
        }
        if (contentType != null) {
            headers.add("Content-Type", contentType);
        }
        if (body.length > 0) {
            headers.add("Content-Length", Integer.toString(body.length));
        }
        return crud.dispatch(new RecordedRequest(original.getHttpVersion(), HttpMethod.valueOf(method), path,
                headers.build(), new Buffer(body)));
    }

    private JsonNode readTree(byte[] body) {
        try {
            return json.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("body is not JSON: " + e.getMessage(), e);
        }
    }

    private static MockResponse ok(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(body);
    }

    private MockResponse status(int code, String reason, String message) {
        ObjectNode s = json.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
                .put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        s.putObject("metadata");
        return ok(code, s.toString());
    }
}
