package dev.deployguard.server.kubernetes;

import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseSchema;
import dev.deployguard.server.deploy.SchemaGate;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.Store;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The schema records of Kubernetes Deployment and Helm releases, whose revisions live in the cluster, not in the
 * store: at deploy time the release's migrations and the schema version it needs are recorded by app and version
 * (the {@code database} section is the same as a local app's), and a rollback's releases get their record back, so
 * {@link SchemaGate} judges from what the release shipped rather than from a re-read of files that may have changed.
 */
final class ReleaseSchemas {
    private final Store store;
    private final SchemaGate gate;

    ReleaseSchemas(Store store, SchemaGate gate) {
        this.store = store;
        this.gate = gate;
    }

    /**
     * Records the deploy's schema under each version its release will show (the requested one and, when the image
     * was pinned to a digest, that digest). Nothing without a database section.
     *
     * @throws dev.deployguard.error.DeployGuardException (bad input) when the migrations are not where the spec
     *                                                     says; the deploy stops before it changes anything
     */
    void record(AppSpec app, String... versions) {
        ReleaseSchema schema = gate.record(app, versions[0]);
        if (schema == null) {
            return;
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String v : versions) {
            if (v != null && !v.isBlank()) {
                keys.add(v);
            }
        }
        keys.forEach(v -> store.recordSchema(app.name(), v, schema));
    }

    /** The release with its recorded schema, when one was recorded for its version. */
    Release withRecord(Release r) {
        if (r.schema() != null) {
            return r;
        }
        return store.recordedSchema(r.app(), r.version()).map(r::withSchema).orElse(r);
    }
}
