package dev.deployguard.bench.router;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Every process the benchmark starts, so that all of them end with it: on success, on failure and from a shutdown
 * hook. {@link #close()} is idempotent and also ends any descendant of this JVM (the router runs in a session of
 * its own but stays our child; nginx workers are children of its master).
 */
final class Procs implements AutoCloseable {
    private static final long GRACE_MS = 4_000;

    private final Map<ProcessHandle, String> started = new LinkedHashMap<>();
    private boolean closed;

    synchronized void add(ProcessHandle handle, String name) {
        if (closed) {
            // Started while shutting down: end it now.
            handle.destroyForcibly();
            return;
        }
        started.put(handle, name);
    }

    /**
     * Throws when a process that must live for the whole run (a backend, the router, nginx; not wrk) has exited,
     * e.g. because something outside the benchmark killed it: figures measured meanwhile would be meaningless.
     */
    synchronized void checkAlive(String phase) {
        for (Map.Entry<ProcessHandle, String> e : started.entrySet()) {
            if (!e.getValue().equals("wrk") && !e.getKey().isAlive()) {
                throw new IllegalStateException(e.getValue() + " (pid " + e.getKey().pid() + ") exited during "
                        + phase + "; was it stopped from outside the benchmark? (see its log)");
            }
        }
    }

    /** The router by pid, if it is still the process that was started at {@code start}. */
    static Optional<ProcessHandle> byPid(long pid, Instant start) {
        return ProcessHandle.of(pid).filter(h -> h.info().startInstant().map(start::equals).orElse(true));
    }

    /** Ends one process (and its descendants) now: TERM, then KILL after {@code graceMs}. */
    static void stop(ProcessHandle handle, long graceMs) {
        List<ProcessHandle> all = new ArrayList<>();
        handle.descendants().forEach(all::add);
        all.add(0, handle);
        terminate(all, graceMs);
    }

    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            // Descendants first collected while their parents live, so nginx workers are not lost to init.
            ProcessHandle.current().descendants().forEach(all::add);
            for (ProcessHandle h : started.keySet()) {
                if (!all.contains(h)) {
                    all.add(h);
                }
            }
        }
        terminate(all, GRACE_MS);
    }

    private static void terminate(List<ProcessHandle> all, long graceMs) {
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                h.destroy();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
        for (ProcessHandle h : all) {
            long left = deadline - System.nanoTime();
            if (left > 0 && h.isAlive()) {
                try {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (Exception ignored) {
                    // killed below
                }
            }
        }
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // nothing more to do
            }
        }
    }

    /** Total CPU time used so far by a process and its descendants; zero for processes already gone. */
    static Duration cpu(ProcessHandle handle) {
        Duration total = handle.info().totalCpuDuration().orElse(Duration.ZERO);
        for (ProcessHandle child : (Iterable<ProcessHandle>) handle.descendants()::iterator) {
            total = total.plus(child.info().totalCpuDuration().orElse(Duration.ZERO));
        }
        return total;
    }
}
