package dev.deployguard.kubernetes.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.List;

/**
 * Waits until a release's objects are ready ({@code helm --wait}); pluggable so that a cluster without controllers
 * (a test's mock API server) can be driven by a simulator, and so other readiness rules can be added.
 */
@FunctionalInterface
public interface ReadinessWaiter {
    /**
     * Returns when every object is ready.
     *
     * @throws NotReady when the timeout passes first, saying what is not ready
     */
    void await(List<HasMetadata> objects, Duration timeout) throws NotReady, InterruptedException;

    /** The objects did not become ready in time; the message says which and how far they got. */
    final class NotReady extends Exception {
        public NotReady(String message) {
            super(message);
        }
    }

    /** A waiter that does not wait (helm without {@code --wait}). */
    static ReadinessWaiter none() {
        return (objects, timeout) -> { };
    }
}
