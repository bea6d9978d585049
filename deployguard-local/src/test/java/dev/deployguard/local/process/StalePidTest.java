package dev.deployguard.local.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Stale pids (issue 19, item 3): a recorded instance or router is the live process only if the pid runs AND its
 * start time is the recorded one (within /proc's clock-tick resolution); a pid the kernel gave to another process
 * since is not ours. Supervisor and RouterProcesses decide "alive" with this one method.
 */
class StalePidTest {
    @Test
    void aPidIsOursOnlyWithItsRecordedStartTime() throws Exception {
        Process p = new ProcessBuilder("sleep", "120").start();
        try {
            Instant started = p.info().startInstant().orElseThrow();

            assertThat(LocalPlatform.handle(p.pid(), started)).as("same pid, same start").isPresent();
            assertThat(LocalPlatform.handle(p.pid(), started.plusMillis(500))).as("within clock-tick slack")
                    .isPresent();
            assertThat(LocalPlatform.handle(p.pid(), started.minus(Duration.ofMinutes(5))))
                    .as("same pid, another process (started 5 min apart)").isEmpty();
            assertThat(LocalPlatform.handle(p.pid(), started.plusSeconds(3))).as("started 3 s apart").isEmpty();
            assertThat(p.isAlive()).as("asking never signals the process").isTrue();
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertThat(LocalPlatform.handle(p.pid(), null)).as("a dead pid").isEmpty();
    }
}
