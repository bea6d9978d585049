package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * At its start deadline the launcher kills the router; one that was already exiting of its own (a taken address,
 * exit 3) must be reported with its code, not as "did not answer". Real processes tell the two apart.
 */
class RouterLauncherExitTest {
    @Test
    void aProcessThatExitedOfItsOwnIsToldApartFromOneTheLauncherKilled() throws Exception {
        Process exited = new ProcessBuilder("/bin/sh", "-c", "exit 3").start();
        assertThat(exited.waitFor(30, TimeUnit.SECONDS)).isTrue();
        exited.destroyForcibly();
        assertThat(RouterLauncher.exitedByItself(exited)).as("exit 3, then a kill that came too late").isTrue();

        Process killed = new ProcessBuilder("/bin/sh", "-c", "exec sleep 60").start();
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(RouterLauncher.exitedByItself(killed)).as("killed by the launcher's SIGKILL").isFalse();

        Process running = new ProcessBuilder("/bin/sh", "-c", "exec sleep 60").start();
        try {
            assertThat(RouterLauncher.exitedByItself(running)).as("still running").isFalse();
        } finally {
            running.destroyForcibly();
        }
    }
}
