package dev.deployguard.server.deploy;

import dev.deployguard.platform.Instance;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-process mutual exclusion for short edits of one app's instances and routes, shared by the deployer and the
 * supervisor. The store's lock serializes whole operations; this one keeps the two writers from interleaving.
 */
public final class AppLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();

    public ReentrantLock of(String app) {
        return locks.computeIfAbsent(app, a -> new ReentrantLock());
    }

    /** Marks an instance as being stopped on purpose, so its exit is not taken for a crash. */
    public void stopping(Instance i, boolean on) {
        if (on) {
            stopping.add(key(i));
        } else {
            stopping.remove(key(i));
        }
    }

    public boolean isStopping(Instance i) {
        return stopping.contains(key(i));
    }

    private static String key(Instance i) {
        return i.app() + "/" + i.revision() + "/" + i.index() + "/" + i.pid();
    }
}
