package dev.deployguard.server.deploy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-process mutual exclusion for short edits of one app's instances and routes, shared by the deployer and the
 * supervisor. The store's lock serializes whole operations; this one keeps the two writers from interleaving.
 */
public final class AppLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public ReentrantLock of(String app) {
        return locks.computeIfAbsent(app, a -> new ReentrantLock());
    }
}
