package dev.deployguard.local.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcResourcesTest {
    @TempDir
    Path proc;

    @Test
    void readsUserPlusSystemTimeAndResidentMemoryEvenWithSpacesInTheName() throws IOException {
        Path p = Files.createDirectories(proc.resolve("4242"));
        // Fields as proc(5) orders them: utime 250 and stime 50 ticks (field 14 and 15).
        Files.writeString(p.resolve("stat"), "4242 (my app) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0"
                + " 100 1000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
        Files.writeString(p.resolve("status"), "Name:\tmy app\nVmPeak:\t  9000 kB\nVmRSS:\t  2048 kB\nThreads:\t8\n");
        var usage = new ProcResources(proc).read(4242).orElseThrow();
        assertThat(usage.cpuSeconds()).isEqualTo(3.0);
        assertThat(usage.residentBytes()).isEqualTo(2048 * 1024L);
        assertThat(new ProcResources(proc).read(7)).isEmpty();
    }

    @Test
    void thisJvmsCpuGrowsWhileItWorks() {
        var resources = new ProcResources();
        long pid = ProcessHandle.current().pid();
        var before = resources.read(ProcResources.tree(pid)).orElseThrow();
        long deadline = System.nanoTime() + 300_000_000L;
        double sink = 0;
        while (System.nanoTime() < deadline) {
            sink += Math.sqrt(sink + 1);
        }
        var after = resources.read(ProcResources.tree(pid)).orElseThrow();
        assertThat(sink).isPositive();
        assertThat(after.cpuSeconds()).isGreaterThan(before.cpuSeconds());
        assertThat(after.residentBytes()).isGreaterThan(10L * 1024 * 1024);
    }

    @Test
    void perRequestDividesTheIncreaseByTheRequestsAndHasNoValueWithoutRequests() {
        var before = new ProcResources.Usage(10.0, 100);
        var after = new ProcResources.Usage(12.0, 400);
        assertThat(ProcResources.perRequest(before, after, 1000).orElseThrow().cpuSeconds())
                .isCloseTo(0.002, within(1e-12));
        assertThat(ProcResources.perRequest(before, after, 0)).isEqualTo(Optional.empty());
        assertThat(new ProcResources(proc).read(List.of(1L, 2L))).isEmpty();
    }
}
