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
        IncidentStore, AutoCloseable {

    @Override
    void close();
}
