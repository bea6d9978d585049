package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One revision of a Helm release, as the JSON document Helm stores ({@code pkg/release.Release}): name, namespace,
 * version, info, chart, config, manifest, hooks. The document is kept whole, so fields this class does not know
 * (from newer Helm versions or plugins) survive a read and a write unchanged. Instances are immutable; the
 * {@code with...} methods return edited copies.
 */
public final class HelmRelease {
    /** What Helm prints for a chart or app version a record lacks. */
    static final String MISSING = "MISSING";

    private final ObjectNode json;

    private HelmRelease(ObjectNode json) {
        this.json = json;
    }

    /**
     * Reads a release document.
     *
     * @throws IllegalArgumentException when it is not an object with a release name and a positive version
     */
    public static HelmRelease of(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("a Helm release record must be a JSON object");
        }
        String name = json.path("name").asText("");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the Helm release record has no name");
        }
        if (!json.path("version").canConvertToInt() || json.path("version").asInt() < 1) {
            throw new IllegalArgumentException("the Helm release record of " + name + " has no positive version");
        }
        return new HelmRelease(((ObjectNode) json).deepCopy());
    }

    public String name() {
        return json.path("name").asText();
    }

    public String namespace() {
        return json.path("namespace").asText("");
    }

    public int version() {
        return json.path("version").asInt();
    }

    /** Helm's Secret name for this revision: {@code sh.helm.release.v1.NAME.vN}. */
    public String key() {
        return key(name(), version());
    }

    static String key(String release, int version) {
        return "sh.helm.release.v1." + release + ".v" + version;
    }

    public HelmStatus status() {
        return HelmStatus.fromWire(statusText());
    }

    /** The status exactly as stored (a status this version does not know stays readable). */
    public String statusText() {
        return json.path("info").path("status").asText(HelmStatus.UNKNOWN.wire());
    }

    public String description() {
        return json.path("info").path("description").asText("");
    }

    public Optional<Instant> firstDeployed() {
        return HelmTime.parse(json.path("info").path("first_deployed").asText(null));
    }

    public Optional<Instant> lastDeployed() {
        return HelmTime.parse(json.path("info").path("last_deployed").asText(null));
    }

    public String notes() {
        return json.path("info").path("notes").asText("");
    }

    /** The chart's name, or {@code MISSING} as helm prints it when the record has no chart metadata. */
    public String chartName() {
        return chartMetadata("name");
    }

    public String chartVersion() {
        return chartMetadata("version");
    }

    public String appVersion() {
        JsonNode metadata = json.path("chart").path("metadata");
        return metadata.isObject() ? metadata.path("appVersion").asText("") : MISSING;
    }

    private String chartMetadata(String field) {
        JsonNode metadata = json.path("chart").path("metadata");
        return metadata.isObject() ? metadata.path(field).asText("") : MISSING;
    }

    /** The rendered objects of this revision (a multi-document YAML stream with {@code # Source:} comments). */
    public String manifest() {
        return json.path("manifest").asText("");
    }

    /** The values the user supplied ({@code helm get values}); a JSON null when there were none. */
    public JsonNode config() {
        JsonNode config = json.get("config");
        return config == null ? NullNode.getInstance() : config.deepCopy();
    }

    /** A copy of the whole document. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** This revision with another status and description, as helm records a status change. */
    public HelmRelease withStatus(HelmStatus status, String description) {
        return edit(doc -> {
            ObjectNode info = info(doc);
            info.put("status", status.wire());
            if (description != null) {
                info.put("description", description);
            }
        });
    }

    /** A copy edited by {@code change}; the result must still be a valid record. */
    HelmRelease edit(Consumer<ObjectNode> change) {
        ObjectNode copy = json.deepCopy();
        change.accept(copy);
        return of(copy);
    }

    static ObjectNode info(ObjectNode doc) {
        JsonNode info = doc.get("info");
        if (info instanceof ObjectNode object) {
            return object;
        }
        ObjectNode created = JsonNodeFactory.instance.objectNode();
        doc.set("info", created);
        return created;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HelmRelease other && json.equals(other.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return key() + " (" + statusText() + ")";
    }
}
