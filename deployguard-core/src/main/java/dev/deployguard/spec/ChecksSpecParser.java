package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/** Validates an app's {@code checks} section (see {@link ChecksSpec}). */
public final class ChecksSpecParser {
    private ChecksSpecParser() {
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static ChecksSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        problems.add(at + ": not supported yet");
        return null;
    }
}
