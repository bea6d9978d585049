package dev.deployguard.kubernetes.backup;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs one call per item, a phase at a time in the given order, the items of a phase on at most {@code threads}
 * threads: a phase's objects do not depend on each other, so this keeps the dependency order while a 1,000-object
 * namespace no longer waits for a thousand round trips one after the other.
 */
final class ParallelCreate {
    private ParallelCreate() {
    }

    /** {@code call} returns null on success, else a message; the messages come back in item order. */
    static <T, P> List<String> inPhases(List<T> items, int threads, Function<T, P> phase, Function<T, String> call) {
        Map<P, List<T>> phases = new LinkedHashMap<>();
        for (T t : items) {
            phases.computeIfAbsent(phase.apply(t), k -> new ArrayList<>()).add(t);
        }
        List<String> out = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, items.size())), r -> {
            Thread th = new Thread(r, "restore-create");
            th.setDaemon(true);
            return th;
        });
        try {
            for (List<T> batch : phases.values()) {
                List<Future<String>> futures = new ArrayList<>();
                for (T t : batch) {
                    futures.add(pool.submit(() -> call.apply(t)));
                }
                for (Future<String> f : futures) {
                    String message = f.get();
                    if (message != null) {
                        out.add(message);
                    }
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "interrupted while restoring");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
