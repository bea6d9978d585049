package dev.deployguard.bench.kubernetes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A poor man's profiler for one phase split: samples the stacks of the threads that run rollout ticks (or deploys)
 * every millisecond and charges each sample taken inside {@code RolloutRunner} (or another class) to the innermost DeployGuard concern on
 * the stack (store, spec parsing, metric source, Kubernetes API, judge, engine; "runner" when none is). Library
 * frames (Jackson, JDK HTTP, H2) count towards the DeployGuard code that called them.
 */
final class PhaseSampler implements AutoCloseable {
    private static final Map<String, String> OWNERS = owners();

    private final Supplier<List<Thread>> threads;
    private final String within;
    private final Map<String, Long> samples = new TreeMap<>();
    private final Thread worker;
    private volatile boolean running = true;

    /** @param within samples count only while a frame of a class with this name prefix is on the stack */
    PhaseSampler(Supplier<List<Thread>> threads, String within) {
        this.threads = threads;
        this.within = within;
        this.worker = new Thread(this::loop, "phase-sampler");
        worker.setDaemon(true);
        worker.start();
    }

    private static Map<String, String> owners() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("org.h2.", "store");
        m.put("dev.deployguard.store.", "store");
        m.put("dev.deployguard.spec.", "spec_parse");
        m.put("dev.deployguard.server.deploy.SpecSource", "spec_parse");
        m.put("dev.deployguard.server.metrics.", "metric_fetch");
        m.put("io.fabric8.", "kubernetes_api");
        m.put("dev.deployguard.kubernetes.", "kubernetes_api");
        m.put("dev.deployguard.analysis.", "judge");
        m.put("dev.deployguard.rollout.", "engine");
        return m;
    }

    private void loop() {
        long n = 0;
        List<Thread> watched = threads.get();
        while (running) {
            if (++n % 100 == 0) {
                watched = threads.get();
            }
            for (Thread t : watched) {
                String phase = phase(t.getStackTrace(), within);
                if (phase != null) {
                    synchronized (samples) {
                        samples.merge(phase, 1L, Long::sum);
                    }
                }
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The concern a stack is in, or null outside {@code within}. */
    static String phase(StackTraceElement[] stack, String within) {
        boolean inRunner = false;
        for (StackTraceElement e : stack) {
            if (e.getClassName().startsWith(within)) {
                inRunner = true;
                break;
            }
        }
        if (!inRunner || waitingForWorkers(stack)) {
            return null;
        }
        for (int i = 0; i < stack.length; i++) {
            StackTraceElement e = stack[i];
            for (Map.Entry<String, String> o : OWNERS.entrySet()) {
                if (e.getClassName().startsWith(o.getKey())) {
                    return o.getValue().equals("store") ? "store." + storeMethod(stack, i) : o.getValue();
                }
            }
            if (e.getClassName().startsWith("dev.deployguard.server.")) {
                return "runner";
            }
        }
        return "runner";
    }

    /** The ticking thread waiting for the apps it handed to workers (they are sampled themselves). */
    private static boolean waitingForWorkers(StackTraceElement[] stack) {
        for (int i = 0; i < Math.min(stack.length, 8); i++) {
            if (stack[i].getClassName().equals("java.util.concurrent.CountDownLatch")) {
                return true;
            }
        }
        return false;
    }

    /** The Store method a store sample is in: the outermost JdbcStore frame. */
    private static String storeMethod(StackTraceElement[] stack, int from) {
        String method = "other";
        for (int i = from; i < stack.length; i++) {
            if (stack[i].getClassName().startsWith("dev.deployguard.store.")) {
                method = stack[i].getMethodName();
            }
        }
        return method;
    }

    /** Samples per phase so far, and forgets them. */
    Map<String, Long> take() {
        synchronized (samples) {
            Map<String, Long> out = new TreeMap<>(samples);
            samples.clear();
            return out;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            worker.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
