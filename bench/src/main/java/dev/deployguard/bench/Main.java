package dev.deployguard.bench;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Map;

/** Entry point of {@code bench/run NAME [options]}: each benchmark prints one JSON document on stdout. */
public final class Main {
    private static final Map<String, String> BENCHMARKS = Map.ofEntries(
            Map.entry("router", "dev.deployguard.bench.router.RouterBench"),
            Map.entry("router-rss", "dev.deployguard.bench.router.HostRouterRssBench"),
            Map.entry("router-restart", "dev.deployguard.bench.router.RouterRestartBench"),
            Map.entry("detection", "dev.deployguard.bench.detection.DetectionBench"),
            Map.entry("k8s-rollouts", "dev.deployguard.bench.kubernetes.RolloutsBench"),
            Map.entry("k8s-rollback", "dev.deployguard.bench.kubernetes.RollbackBench"),
            Map.entry("checklist", "dev.deployguard.bench.checklist.ChecklistBench"),
            Map.entry("rollback", "dev.deployguard.bench.controlplane.RollbackBench"),
            Map.entry("backup", "dev.deployguard.bench.backup.BackupBench"),
            Map.entry("faults", "dev.deployguard.bench.faults.FaultsBench"));

    private Main() {
    }

    public static void main(String[] args) throws Throwable {
        String cls = args.length == 0 ? null : BENCHMARKS.get(args[0]);
        if (cls == null) {
            System.err.println("usage: bench/run " + String.join("|", BENCHMARKS.keySet()) + " [--quick]");
            System.exit(2);
        }
        try {
            Class.forName(cls).getMethod("main", String[].class)
                    .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
