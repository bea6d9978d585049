package dev.deployguard.bench.faults;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The full-disk fault: the run's state directory is a size-limited tmpfs (mounted at the start when the machine
 * allows it, i.e. as root), which the scenario fills to the last byte with a filler file and frees again by deleting
 * it. A real ENOSPC for the store, the route files and the instance logs, not a simulated one.
 */
final class FullDisk {
    private final Path dir;
    private final String notMounted;

    private FullDisk(Path dir, String notMounted) {
        this.dir = dir;
        this.notMounted = notMounted;
    }

    /** Mounts a tmpfs of {@code size} (e.g. {@code 256m}) on {@code dir}; the reason is kept if it cannot. */
    static FullDisk mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs",
                dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return new FullDisk(dir, "cannot mount a size-limited tmpfs for the state directory (needs root): "
                    + out);
        }
        return new FullDisk(dir, null);
    }

    /** Why the scenario cannot run, or null when the state directory is the small filesystem. */
    String notMounted() {
        return notMounted;
    }

    /** Writes zeros until the filesystem answers ENOSPC; returns the filler file. */
    Path fill() throws IOException {
        Path filler = dir.resolve("filler");
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left on device")) {
                throw full;
            }
        }
        return filler;
    }

    /** Lazily unmounts (after the run's processes are gone). */
    void unmount() {
        if (notMounted != null) {
            return;
        }
        try {
            new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.err.println("faults: umount " + dir + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
