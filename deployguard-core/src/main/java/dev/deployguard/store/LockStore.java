package dev.deployguard.store;

import java.time.Instant;
import java.util.Optional;

/** The store's role for per-app operation locks, which serialize operations across control planes. */
public interface LockStore {

    /**
     * Takes the app's operation lock or throws {@link AppBusyException} naming the holder, the operation and since
     * when. Locks of a holder that is gone are reclaimed by {@link #releaseLocksNotHeldBy}.
     */
    AppLock lock(String app, String operation, String holder, String actor, Instant now);

    void unlock(AppLock lock);

    /** Drops locks left behind by control planes that are no longer running (crash during an operation). */
    int releaseLocksNotHeldBy(String holder);

    Optional<AppLock> currentLock(String app);

    /** A held operation lock. */
    record AppLock(String app, String operation, String holder, String actor, Instant acquiredAt) {
    }
}
