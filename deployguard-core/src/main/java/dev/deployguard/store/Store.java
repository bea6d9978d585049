package dev.deployguard.store;

/**
 * Durable state of the control plane: every role below in one transactional store. Every method is one
 * transaction; a failure leaves nothing half-written. Code that needs one kind of state depends on its role
 * ({@link ReleaseStore}, {@link EventStore}, ...) rather than on the whole store.
 *
 * <p>{@link InstanceStore} and {@link RouterStore} hold data of the local platform only; they are roles of their
 * own so they can move to that platform once the control plane stops asking the whole store for them.
 */
public interface Store extends ReleaseStore, EventStore, LockStore, InstanceStore, RouterStore, RolloutStore,
        IncidentStore, TokenStore, AutoCloseable {

    /**
     * Removes the app's releases, events, rollouts, routes, router, instances and lock in one transaction (incidents
     * stay); for {@code deployguard delete APP} once its processes are stopped. It spans every role, so it lives here.
     */
    AppRemoved removeApp(String app);

    @Override
    void close();

    /** What {@link #removeApp} removed: rows of releases, events and rollouts, and of the other tables together. */
    record AppRemoved(int releases, int events, int rollouts, int other) {
    }
}
