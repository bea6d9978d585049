package dev.deployguard.server.drill;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.server.request.JsonBody;
import dev.deployguard.spec.DrillSpec;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code POST /api/apps/APP/drill}'s body: {@code {versions: [A, B], probes: [{path, expectStatus}], timeout}}. */
public final class DrillApi {
    private DrillApi() {
    }

    public static DrillRequest request(String app, JsonBody body) {
        body.allowOnly("versions", "probes", "timeout");
        List<String> versions = body.strings("versions");
        if (!versions.isEmpty() && versions.size() != 2) {
            throw DeployGuardException.badInput("'versions' must name two versions, the baseline and the candidate,"
                    + " e.g. [\"v1\", \"v2\"]; got " + versions.size() + " (" + String.join(", ", versions) + ")");
        }
        List<DrillSpec.Probe> probes = new ArrayList<>();
        for (JsonBody p : body.objects("probes")) {
            p.allowOnly("path", "expectStatus");
            String path = p.string("path");
            Integer status = p.integer("expectStatus", 100);
            int expect = status == null ? 200 : status;
            if (path == null || !path.startsWith("/") || expect > 599) {
                throw DeployGuardException.badInput("probe " + p + ": expected a path starting with '/' and an HTTP"
                        + " status 100..599, e.g. {\"path\": \"/health\", \"expectStatus\": 200}");
            }
            probes.add(new DrillSpec.Probe(path, expect));
        }
        return new DrillRequest(app, versions, probes, body.duration("timeout"));
    }
}
