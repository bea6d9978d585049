package dev.deployguard.store;

import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import java.util.List;
import java.util.Optional;

/** The store's role for release history: numbered, append-only revisions of each app and their status. */
public interface ReleaseStore {

    /** Appends a release with the next revision number for its app (the given revision is ignored). */
    Release createRelease(Release draft);

    Optional<Release> release(String app, int revision);

    /** All revisions of an app, oldest first. */
    List<Release> history(String app);

    /** Names of apps that have at least one release. */
    List<String> apps();

    /** Sets one revision's status; throws NOT_FOUND for an unknown revision. */
    void setStatus(String app, int revision, ReleaseStatus status);

    /**
     * Marks {@code revision} DEPLOYED and, in the same transaction, every other DEPLOYED revision of the app
     * SUPERSEDED; so there is never more than one serving release in history.
     */
    void markDeployed(String app, int revision);

    /**
     * Remembers the schema record of a release that lives outside the store (a Kubernetes Deployment or Helm
     * revision) by app and version; a later record of the same version replaces it.
     */
    void recordSchema(String app, String version, dev.deployguard.release.ReleaseSchema schema);

    /** The schema record kept by {@link #recordSchema} for this app and version, if any. */
    Optional<dev.deployguard.release.ReleaseSchema> recordedSchema(String app, String version);
}
