package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/** Validates an app's {@code platform.kubernetes} section (see {@link KubernetesSpec}). */
public final class KubernetesSpecParser {
    private KubernetesSpecParser() {
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static KubernetesSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        problems.add(at + ": not supported yet");
        return null;
    }
}
