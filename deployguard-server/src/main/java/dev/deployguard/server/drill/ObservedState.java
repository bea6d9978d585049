package dev.deployguard.server.drill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a user and an operator can observe of an app at one moment, as named fields: the serving release (the
 * revision whose content serves, its version, artifact, config hash, instance count), the instances (running,
 * ready), the router's weights, and the status and body hash of each probe request. Revision numbers are not
 * compared as such: a rollback creates a new revision that copies the old one, so the content's origin is.
 */
public record ObservedState(Map<String, String> fields) {
    /** The field every platform records: the version serving. */
    static final String VERSION = "release.version";

    public ObservedState {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A field whose value differs between two states. */
    public record Difference(String field, String baseline, String after) {
    }

    /** Field by field, in this state's order, then fields only the other one has. */
    public List<Difference> differencesTo(ObservedState after) {
        List<Difference> out = new ArrayList<>();
        fields.forEach((k, v) -> {
            String other = after.fields.get(k);
            if (!Objects.equals(v, other)) {
                out.add(new Difference(k, v, other == null ? "(absent)" : other));
            }
        });
        after.fields.forEach((k, v) -> {
            if (!fields.containsKey(k)) {
                out.add(new Difference(k, "(absent)", v));
            }
        });
        return out;
    }
}
