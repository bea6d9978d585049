package dev.deployguard.server.drill;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.DrillSpec;
import dev.deployguard.spec.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code POST /api/apps/APP/drill}'s body: {@code {versions: [A, B], probes: [{path, expectStatus}], timeout}}. */
public final class DrillApi {
    private DrillApi() {
    }

    public static DrillRequest request(String app, JsonNode body) {
        List<String> versions = new ArrayList<>();
        body.path("versions").forEach(v -> versions.add(v.asText()));
        List<DrillSpec.Probe> probes = new ArrayList<>();
        for (JsonNode p : body.path("probes")) {
            String path = p.path("path").asText("");
            int status = p.path("expectStatus").asInt(200);
            if (!path.startsWith("/") || status < 100 || status > 599) {
                throw DeployGuardException.badInput("probe " + p + ": expected a path starting with '/' and an HTTP"
                        + " status 100..599, e.g. --probe /health");
            }
            probes.add(new DrillSpec.Probe(path, status));
        }
        Duration timeout = null;
        if (body.hasNonNull("timeout")) {
            try {
                timeout = Durations.parse(body.get("timeout").asText());
            } catch (IllegalArgumentException e) {
                throw DeployGuardException.badInput("timeout: " + e.getMessage());
            }
        }
        return new DrillRequest(app, versions, probes, timeout);
    }
}
