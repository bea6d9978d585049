package dev.deployguard.local.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * CPU seconds and resident memory of a local instance (its process and every descendant, since an app started through
 * a shell or a launcher does its work in a child), read from {@code /proc}: the inputs of CPU and memory per request
 * per track (issue 11 item 3).
 */
public final class ProcResources {
    // The /proc ABI reports times in USER_HZ, which Linux fixes at 100 for user space on every architecture we run on.
    private static final double TICKS_PER_SECOND = 100.0;

    private final Path proc;

    public ProcResources() {
        this(Path.of("/proc"));
    }

    /** @param proc the proc file system's root (a directory of fixtures in tests) */
    public ProcResources(Path proc) {
        this.proc = proc;
    }

    /** CPU seconds (user + system) and resident bytes at one instant. */
    public record Usage(double cpuSeconds, long residentBytes) {
        public Usage plus(Usage o) {
            return new Usage(cpuSeconds + o.cpuSeconds, residentBytes + o.residentBytes);
        }
    }

    /** The usage of {@code pids} together; empty when none of them can be read (all gone). */
    public Optional<Usage> read(List<Long> pids) {
        Usage total = null;
        for (long pid : pids) {
            Optional<Usage> u = read(pid);
            if (u.isPresent()) {
                total = total == null ? u.get() : total.plus(u.get());
            }
        }
        return Optional.ofNullable(total);
    }

    /** The usage of one process; empty when it has exited or its files cannot be read. */
    public Optional<Usage> read(long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
            // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
            double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
            long rss = 0;
            for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
            return Optional.of(new Usage(cpu, rss));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A process and its descendants, for {@link #read(List)}. */
    public static List<Long> tree(long pid) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(pid),
                ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants).map(ProcessHandle::pid)).toList();
    }

    /**
     * CPU seconds and resident bytes per request between two readings of one track.
     *
     * @return empty when the track served no request in between (no evidence, never a zero)
     */
    public static Optional<Usage> perRequest(Usage before, Usage after, long requests) {
        if (requests <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Usage((after.cpuSeconds() - before.cpuSeconds()) / requests,
                after.residentBytes() / requests));
    }
}
