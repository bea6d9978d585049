package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.kubernetes.helm.HelmReleaseCodec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test support for the Helm oracle tests: what is compared between a cluster real helm wrote and one DeployGuard
 * wrote — the writes of an operation in order (hook runs included), the objects, and the release records decoded
 * from helm's Secrets — each without what differs by nature (timestamps, UIDs, resourceVersions).
 */
public final class HelmComparison {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HelmComparison() {
    }

    /**
     * Writes of the operation in order ({@code METHOD resource name}; a POST names no object in its path, and helm's
     * PATCH counts as a PUT); the Job controller's status writes are left out.
     */
    public static List<String> hookRuns(MockCluster c) {
        List<String> out = new ArrayList<>();
        for (ApiCall call : c.calls()) {
            if (call.method().equals("GET")) {
                continue;
            }
            String[] parts = call.path().replaceAll("\\?.*", "").split("/");
            boolean named = call.method().equals("PUT") || call.method().equals("PATCH")
                    || call.method().equals("DELETE");
            String resource = named ? parts[parts.length - 2] : parts[parts.length - 1];
            if (call.method().equals("PUT") && resource.equals("jobs")) {
                continue;
            }
            String method = call.method().equals("PATCH") ? "PUT" : call.method();
            out.add(method + " " + resource + (named ? " " + parts[parts.length - 1] : ""));
        }
        return out;
    }

    /** Every Deployment, Service, ConfigMap, Job and CRD, without what the API server assigns. */
    public static Map<String, JsonNode> objects(MockCluster c) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (String[] kind : List.of(new String[] {"apps/v1", "Deployment"}, new String[] {"v1", "Service"},
                new String[] {"v1", "ConfigMap"}, new String[] {"batch/v1", "Job"},
                new String[] {"apiextensions.k8s.io/v1", "CustomResourceDefinition"})) {
            for (GenericKubernetesResource o : c.client().genericKubernetesResources(kind[0], kind[1])
                    .inAnyNamespace().list().getItems()) {
                ObjectNode json = JSON.valueToTree(o);
                ObjectNode metadata = (ObjectNode) json.get("metadata");
                metadata.remove(List.of("uid", "resourceVersion", "creationTimestamp", "managedFields"));
                out.put(kind[1] + " " + o.getMetadata().getName(), json);
            }
        }
        return out;
    }

    /** The release records of {@code namespace}, decoded, and their Secrets' labels, without timestamps. */
    public static Map<String, JsonNode> records(MockCluster c, String namespace) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (Secret s : c.client().secrets().inNamespace(namespace).withLabel("owner", "helm").list().getItems()) {
            ObjectNode record = HelmReleaseCodec.fromSecret(s).json();
            ObjectNode info = (ObjectNode) record.get("info");
            info.remove(List.of("first_deployed", "last_deployed"));
            for (JsonNode h : record.path("hooks")) {
                ObjectNode lastRun = (ObjectNode) h.get("last_run");
                lastRun.put("started_at", lastRun.path("started_at").asText().isEmpty() ? "" : "set");
                lastRun.put("completed_at", lastRun.path("completed_at").asText().isEmpty() ? "" : "set");
            }
            Map<String, String> labels = new TreeMap<>(s.getMetadata().getLabels());
            labels.remove("createdAt");
            labels.remove("modifiedAt");
            record.set("$labels", JSON.valueToTree(labels));
            out.put(s.getMetadata().getName(), record);
        }
        return out;
    }
}
