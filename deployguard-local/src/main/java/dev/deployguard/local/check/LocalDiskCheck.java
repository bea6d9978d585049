package dev.deployguard.local.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code local.disk}: the filesystem where instance logs and DeployGuard's state go has at least the configured free
 * space, because a full disk makes instances die on their first log line and the store refuse to record the deploy.
 * The directory may not exist yet (first deploy): its nearest existing parent is measured.
 */
public final class LocalDiskCheck implements Check {
    private final Path dir;
    private final long minFreeBytes;
    private final UsableSpace usableSpace;

    /** Reads the usable space of the filesystem holding a path. */
    @FunctionalInterface
    public interface UsableSpace {
        long of(Path existing) throws IOException;
    }

    public LocalDiskCheck(Path dir, long minFreeBytes) {
        this(dir, minFreeBytes, p -> Files.getFileStore(p).getUsableSpace());
    }

    /** With another way to read usable space (a filesystem that cannot be read is how "cannot tell" happens). */
    public LocalDiskCheck(Path dir, long minFreeBytes, UsableSpace usableSpace) {
        this.dir = dir.toAbsolutePath().normalize();
        this.minFreeBytes = minFreeBytes;
        this.usableSpace = usableSpace;
    }

    @Override
    public String name() {
        return CheckNames.LOCAL_DISK;
    }

    @Override
    public CheckResult run(CheckContext context) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return CheckResult.error(name(), "cannot tell the free space for " + dir + ": no part of it exists",
                    "check the state directory (--state-dir)");
        }
        if (!Files.isDirectory(existing)) {
            return CheckResult.fail(name(), existing + " is a file, so " + dir + " cannot be created",
                    "move the file away or choose another state directory (--state-dir)");
        }
        long free;
        try {
            free = usableSpace.of(existing);
        } catch (IOException | SecurityException e) {
            return CheckResult.error(name(), "cannot tell the free space of " + existing + ": " + e.getMessage(),
                    "check that the directory is readable and its filesystem mounted");
        }
        Map<String, Object> data = Map.of("path", dir.toString(), "freeBytes", free, "minFreeBytes", minFreeBytes);
        if (free < minFreeBytes) {
            return CheckResult.fail(name(), size(free) + " free on the filesystem of " + existing + ", below the "
                    + size(minFreeBytes) + " required", "free some space there (old instance logs are under "
                    + dir + "), or lower checks.disk.minFree").withData(data);
        }
        return CheckResult.pass(name(), size(free) + " free on the filesystem of " + existing + " (at least "
                + size(minFreeBytes) + " required)").withData(data);
    }

    /** Decimal units, as the spec's sizes: 500 MB is 500,000,000 bytes. */
    static String size(long bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
