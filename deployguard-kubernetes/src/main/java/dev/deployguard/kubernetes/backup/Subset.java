package dev.deployguard.kubernetes.backup;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares a backed-up object with its restored copy: every field the backup holds must be in the copy with the
 * same value; what the API server adds (defaults, its own metadata) is allowed.
 */
final class Subset {
    /** Metadata the API server owns, not compared. */
    private static final Set<String> SERVER_METADATA = Set.of("uid", "resourceVersion", "creationTimestamp",
            "generation", "managedFields", "selfLink");

    private Subset() {
    }

    /** The first difference, as a path and both values, or null. */
    static String difference(Object expected, Object actual, String path) {
        if (expected instanceof Map<?, ?> e) {
            if (!(actual instanceof Map<?, ?> a)) {
                return path + ": expected an object, got " + actual;
            }
            for (var entry : e.entrySet()) {
                String key = String.valueOf(entry.getKey());
                if (path.equals(".metadata") && SERVER_METADATA.contains(key) || path.isEmpty() && key.equals("status")) {
                    continue;
                }
                String d = difference(entry.getValue(), a.get(key), path + "." + key);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (expected instanceof List<?> e) {
            if (!(actual instanceof List<?> a) || a.size() != e.size()) {
                return path + ": expected " + e + ", got " + actual;
            }
            for (int i = 0; i < e.size(); i++) {
                String d = difference(e.get(i), a.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return Objects.equals(String.valueOf(expected), String.valueOf(actual)) ? null
                : path + ": expected " + expected + ", got " + actual;
    }
}
