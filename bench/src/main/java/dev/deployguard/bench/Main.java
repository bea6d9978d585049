package dev.deployguard.bench;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Map;

/** Entry point of {@code bench/run NAME [options]}: each benchmark prints one JSON document on stdout. */
public final class Main {
    private static final Map<String, String> BENCHMARKS = Map.of(
            "router", "dev.deployguard.bench.router.RouterBench",
            "router-rss", "dev.deployguard.bench.router.HostRouterRssBench",
            "detection", "dev.deployguard.bench.detection.DetectionBench",
            "k8s-rollouts", "dev.deployguard.bench.kubernetes.RolloutsBench",
            "k8s-rollback", "dev.deployguard.bench.kubernetes.RollbackBench",
            "checklist", "dev.deployguard.bench.checklist.ChecklistBench",
            "rollback", "dev.deployguard.bench.controlplane.RollbackBench",
            "backup", "dev.deployguard.bench.backup.BackupBench",
            "faults", "dev.deployguard.bench.faults.FaultsBench");

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
