package dev.deployguard.bench.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU the machine spent outside this benchmark's own process tree during a measurement, from
 * {@code /proc/stat} and {@code /proc/PID/stat} (Linux). Other work on the same two cores skews every figure, so
 * the result carries this number with each measurement. Returns NaN where /proc is not readable.
 */
final class CpuMeter {
    /** USER_HZ: the unit of /proc CPU times on Linux. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long machineBusy;
    private final long ours;
    private final long startNanos;

    private CpuMeter(long machineBusy, long ours, long startNanos) {
        this.machineBusy = machineBusy;
        this.ours = ours;
        this.startNanos = startNanos;
    }

    static CpuMeter start() {
        return new CpuMeter(machineBusyTicks(), ourTicks(), System.nanoTime());
    }

    /** Average cores used by processes that are not ours since {@link #start()}; NaN if unknown. */
    double foreignCores() {
        long busy = machineBusyTicks();
        long mine = ourTicks();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (busy < 0 || mine < 0 || machineBusy < 0 || ours < 0 || seconds <= 0) {
            return Double.NaN;
        }
        long foreign = (busy - machineBusy) - (mine - ours);
        return Math.max(0, foreign) / TICKS_PER_SECOND / seconds;
    }

    /** user + nice + system + irq + softirq + steal over all CPUs, in ticks; -1 if unreadable. */
    private static long machineBusyTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            int[] busyFields = {1, 2, 3, 6, 7, 8};
            for (int i : busyFields) {
                if (i < f.length) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * This JVM (with its reaped children, e.g. finished wrk runs) plus every live descendant (router, backends,
     * nginx and its worker, a running wrk), in ticks; -1 if unreadable.
     */
    private static long ourTicks() {
        long[] self = stat(ProcessHandle.current().pid());
        if (self == null) {
            return -1;
        }
        long total = self[0] + self[1] + self[2] + self[3];
        for (ProcessHandle h : (Iterable<ProcessHandle>) ProcessHandle.current().descendants()::iterator) {
            long[] s = stat(h.pid());
            if (s != null) {
                // A descendant's own reaped children (cutime, cstime) are ours too.
                total += s[0] + s[1] + s[2] + s[3];
            }
        }
        return total;
    }

    /** utime, stime, cutime, cstime of a process, or null when it is gone or /proc is not there. */
    private static long[] stat(long pid) {
        try {
            String text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split("\\s+");
            // after "pid (comm) ": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
                    Long.parseLong(f[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
