package dev.deployguard.local.router;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The workload {@link RouterCds} runs with {@code -XX:ArchiveClassesAtExit} to make the host router's class-data
 * archive: the warm standby's warm-up ({@link StandbyWarmUp}: apps added over the admin API, a route table, requests
 * through them, stats, health, a removal and a restore from their files), which loads what a router serving apps
 * loads. Without TLS: the JDK's TLS classes would be in every router's archive, and a relocated archive is resident
 * as a whole (docs/benchmarks.md); a router serving HTTPS loads them itself, as before. Not a router: it prints nothing
 * and exits 0 once done; 1 on failure or after {@link #LIMIT_MS} whatever it was doing. It holds the lock file its
 * argument names for its whole life, and goes on when the process that started it ends: the archive it writes is then
 * checked and put in place by the next one ({@link RouterCds}), so a control plane that lives only seconds (a test's)
 * does not make the next one train again.
 */
final class RouterCdsTraining {
    static final long LIMIT_MS = 120_000;
    /** Referenced for the JVM's life: a channel no longer reachable would be closed, and its lock released. */
    private static FileLock held;

    private RouterCdsTraining() {
    }

    public static void main(String[] args) {
        // As HostRouterMain sets them, so the archive holds what a router loads (not Netty's leak detector, not the
        // flight recorder's metadata).
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        Thread limit = new Thread(() -> {
            try {
                Thread.sleep(LIMIT_MS);
                System.err.println("router class-data training: not done after " + LIMIT_MS + " ms; giving up");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "training-limit");
        limit.setDaemon(true);
        limit.start();
        if (args.length == 1) {
            // Held until this JVM has exited, the archive written: the next control plane then knows a training
            // runs, even when the one that started it has ended, and adopts its archive afterwards (RouterCds).
            try {
                held = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE).lock();
            } catch (IOException e) {
                System.err.println("router class-data training: cannot lock " + args[0] + ": " + e);
                System.exit(1);
            }
        }
        boolean[] incomplete = {false};
        PrintStream watch = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8) {
            @Override
            public void println(String line) {
                if (line != null && line.contains("incomplete")) {
                    incomplete[0] = true;
                    System.err.println(line);
                }
            }
        };
        try {
            StandbyWarmUp.run(RouterLimits.fromSystemProperties(), watch, () -> false, false);
        } catch (Exception e) {
            System.err.println("router class-data training failed: " + e);
            System.exit(1);
        }
        System.exit(incomplete[0] ? 1 : 0);
    }
}
