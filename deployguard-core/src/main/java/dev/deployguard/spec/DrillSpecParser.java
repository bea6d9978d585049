package dev.deployguard.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Validates an app's {@code drill} section (see {@link DrillSpec}). */
public final class DrillSpecParser {
    private DrillSpecParser() {
    }

    /** The section as written. */
    static final class Raw {
        @JsonProperty("versions")
        List<String> versions;
        @JsonProperty("probes")
        List<RawProbe> probes;
        @JsonProperty("timeout")
        String timeout;
    }

    /** One probe as written. */
    static final class RawProbe {
        @JsonProperty("path")
        String path;
        @JsonProperty("expectStatus")
        Integer expectStatus;
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static DrillSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        int before = problems.size();
        Raw raw = SpecSections.read(node, Raw.class, at, problems);
        if (raw == null) {
            return null;
        }
        List<String> versions = raw.versions == null ? List.of() : raw.versions;
        if (!versions.isEmpty() && (versions.size() != 2 || versions.stream().anyMatch(v -> v == null || v.isBlank())
                || versions.get(0).equals(versions.get(1)))) {
            problems.add(at + ".versions: expected two different versions [baseline, candidate], e.g. [v1, v2];"
                    + " got " + versions);
        }
        List<DrillSpec.Probe> probes = new ArrayList<>();
        if (raw.probes == null) {
            probes.add(DrillSpec.Probe.root());
        } else {
            for (int i = 0; i < raw.probes.size(); i++) {
                probes.add(probe(raw.probes.get(i), at + ".probes[" + i + "]", problems));
            }
        }
        Duration timeout = SpecSections.duration(raw.timeout, DrillSpec.DEFAULT_TIMEOUT, at + ".timeout", problems);
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            problems.add(at + ".timeout: must be positive, e.g. 60s");
        }
        return problems.size() == before ? new DrillSpec(versions, probes, timeout) : null;
    }

    /** A probe from the spec or the {@code --probe} flag; {@code null} on a problem. */
    static DrillSpec.Probe probe(RawProbe raw, String at, List<String> problems) {
        if (raw == null || raw.path == null || !raw.path.startsWith("/")) {
            problems.add(at + ".path: expected a request path starting with '/', e.g. /health");
            return null;
        }
        int status = raw.expectStatus == null ? 200 : raw.expectStatus;
        if (status < 100 || status > 599) {
            problems.add(at + ".expectStatus: expected an HTTP status between 100 and 599, got " + status);
            return null;
        }
        return new DrillSpec.Probe(raw.path, status);
    }
}
