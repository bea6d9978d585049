package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API surface {@link MockCluster} announces: legacy discovery documents, a minimal OpenAPI v3 (so kubectl and
 * helm skip client-side schema validation) and the path → list kind table. Test support: what real kubectl 1.32 and
 * helm 3.17 need, observed in {@code kubernetes-test-oracles.md}.
 */
final class ApiDiscovery {
    /** One served resource. {@code group} is "" for the core group. */
    record Resource(String group, String version, String plural, String kind, boolean namespaced,
                    List<String> shortNames) {
        String groupVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        String basePath() {
            return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
        }
    }

    static final List<Resource> RESOURCES = List.of(
            new Resource("", "v1", "configmaps", "ConfigMap", true, List.of("cm")),
            new Resource("", "v1", "secrets", "Secret", true, List.of()),
            new Resource("", "v1", "namespaces", "Namespace", false, List.of("ns")),
            new Resource("", "v1", "nodes", "Node", false, List.of("no")),
            new Resource("", "v1", "pods", "Pod", true, List.of("po")),
            new Resource("", "v1", "services", "Service", true, List.of("svc")),
            new Resource("", "v1", "serviceaccounts", "ServiceAccount", true, List.of("sa")),
            new Resource("", "v1", "events", "Event", true, List.of("ev")),
            new Resource("", "v1", "endpoints", "Endpoints", true, List.of("ep")),
            new Resource("apps", "v1", "deployments", "Deployment", true, List.of("deploy")),
            new Resource("apps", "v1", "replicasets", "ReplicaSet", true, List.of("rs")),
            new Resource("apps", "v1", "statefulsets", "StatefulSet", true, List.of("sts")),
            new Resource("apps", "v1", "daemonsets", "DaemonSet", true, List.of("ds")),
            new Resource("batch", "v1", "jobs", "Job", true, List.of()),
            new Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
                    false, List.of("crd")),
            new Resource("networking.k8s.io", "v1", "ingresses", "Ingress", true, List.of("ing")),
            new Resource("coordination.k8s.io", "v1", "leases", "Lease", true, List.of()),
            new Resource("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true, List.of()),
            new Resource("rbac.authorization.k8s.io", "v1", "roles", "Role", true, List.of()),
            new Resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, List.of()));

    private final ObjectMapper json;
    private final int port;

    ApiDiscovery(ObjectMapper json, int port) {
        this.json = json;
        this.port = port;
    }

    /** The discovery or OpenAPI document for a GET of {@code path} (no query), if this is one. */
    Optional<String> document(String path) {
        if (path.equals("/version")) {
            return Optional.of(versionJson());
        }
        if (path.equals("/api")) {
            ObjectNode doc = json.createObjectNode().put("kind", "APIVersions");
            doc.putArray("versions").add("v1");
            doc.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0")
                    .put("serverAddress", "127.0.0.1:" + port);
            return Optional.of(doc.toString());
        }
        if (path.equals("/apis")) {
            ObjectNode doc = json.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
            ArrayNode groups = doc.putArray("groups");
            groupVersions().forEach((group, version) -> {
                if (!group.isEmpty()) {
                    ObjectNode g = groups.addObject().put("name", group);
                    ObjectNode gv = json.createObjectNode().put("groupVersion", group + "/" + version)
                            .put("version", version);
                    g.putArray("versions").add(gv);
                    g.set("preferredVersion", gv.deepCopy());
                }
            });
            return Optional.of(doc.toString());
        }
        for (var e : groupVersions().entrySet()) {
            Resource any = RESOURCES.stream().filter(r -> r.group().equals(e.getKey())).findFirst().orElseThrow();
            if (path.equals(any.basePath())) {
                return Optional.of(resourceList(any.group(), any.groupVersion()));
            }
            if (path.equals("/openapi/v3/" + any.basePath().substring(1))) {
                return Optional.of(openApi(any.group()));
            }
        }
        if (path.equals("/openapi/v3")) {
            ObjectNode paths = json.createObjectNode();
            RESOURCES.stream().map(Resource::basePath).distinct().forEach(base -> paths.putObject(base.substring(1))
                    .put("serverRelativeURL", "/openapi/v3" + base + "?hash=0"));
            ObjectNode doc = json.createObjectNode();
            doc.set("paths", paths);
            return Optional.of(doc.toString());
        }
        return Optional.empty();
    }

    /** The typed list kind for a collection path such as {@code /apis/apps/v1/namespaces/x/replicasets}. */
    Optional<Resource> collection(String path) {
        for (Resource r : RESOURCES) {
            String base = r.basePath() + "/";
            if (!path.startsWith(base)) {
                continue;
            }
            String rest = path.substring(base.length());
            String[] parts = rest.split("/");
            boolean cluster = parts.length == 1 && parts[0].equals(r.plural());
            boolean namespaced = parts.length == 3 && parts[0].equals("namespaces") && parts[2].equals(r.plural());
            if (cluster || namespaced) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    static String versionJson() {
        return "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.3\",\"gitCommit\":"
                + "\"0000000000000000000000000000000000000000\",\"gitTreeState\":\"clean\","
                + "\"buildDate\":\"2025-03-11T19:52:21Z\",\"goVersion\":\"go1.23.6\",\"compiler\":\"gc\","
                + "\"platform\":\"linux/amd64\"}";
    }

    private static Map<String, String> groupVersions() {
        Map<String, String> out = new LinkedHashMap<>();
        RESOURCES.forEach(r -> out.putIfAbsent(r.group(), r.version()));
        return out;
    }

    private String resourceList(String group, String groupVersion) {
        ObjectNode doc = json.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", groupVersion);
        ArrayNode resources = doc.putArray("resources");
        for (Resource r : RESOURCES) {
            if (!r.group().equals(group)) {
                continue;
            }
            ObjectNode n = resources.addObject().put("name", r.plural())
                    .put("singularName", r.kind().toLowerCase(java.util.Locale.ROOT))
                    .put("namespaced", r.namespaced()).put("kind", r.kind());
            ArrayNode verbs = n.putArray("verbs");
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
                    .forEach(verbs::add);
            ArrayNode shortNames = n.putArray("shortNames");
            r.shortNames().forEach(shortNames::add);
            if (r.kind().equals("Deployment")) {
                ObjectNode status = resources.addObject().put("name", "deployments/status").put("singularName", "")
                        .put("namespaced", true).put("kind", "Deployment");
                status.putArray("verbs").add("get").add("patch").add("update");
            }
        }
        return doc.toString();
    }

    private String openApi(String group) {
        ObjectNode doc = json.createObjectNode().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.3");
        ObjectNode paths = doc.putObject("paths");
        for (Resource r : RESOURCES) {
            if (!r.group().equals(group)) {
                continue;
            }
            String p = r.namespaced() ? r.basePath() + "/namespaces/{namespace}/" + r.plural() + "/{name}"
                    : r.basePath() + "/" + r.plural() + "/{name}";
            ObjectNode patch = paths.putObject(p).putObject("patch");
            patch.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
                    .putObject("schema").put("type", "string");
            patch.putObject("x-kubernetes-group-version-kind").put("group", r.group()).put("version", r.version())
                    .put("kind", r.kind());
        }
        return doc.toString();
    }
}
