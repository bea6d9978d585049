package dev.deployguard.store;

import dev.deployguard.platform.Instance;
import java.util.List;

/**
 * The store's role for the local platform's running processes, recorded so a restarted control plane re-adopts
 * them. Local-only data: Kubernetes apps never write here.
 */
public interface InstanceStore {

    /** Records an instance, replacing the one in the same slot (app, revision, index). */
    void saveInstance(Instance instance);

    void removeInstance(String app, int revision, int index);

    /** The app's instances, by revision and then index. */
    List<Instance> instances(String app);

    /** Moves instances to another revision (a rollback re-labels warm processes of the copied release). */
    void reassignInstances(String app, int fromRevision, int toRevision);
}
