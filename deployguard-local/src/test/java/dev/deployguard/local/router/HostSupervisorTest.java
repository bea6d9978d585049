package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host router's supervisor script ({@link HostSupervisor}) run by the real {@code /bin/sh} with a stand-in for
 * the router JVM (a shell that sleeps, or exits with the code a file holds): its two children are the routers
 * themselves, a killed one is started again without touching the other, an exit the supervisor cannot cure ends it,
 * and a SIGTERM stops everything. Every wait is a bounded poll for a process event.
 */
class HostSupervisorTest {
    @TempDir
    Path dir;

    private Process supervisor;

    @AfterEach
    void stop() {
        if (supervisor != null) {
            List<ProcessHandle> all = supervisor.descendants().toList();
            supervisor.destroyForcibly();
            all.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The supervisor running a router that sleeps, or exits with the code in {@code exit-code} if that exists. */
    private Process start() throws Exception {
        Path code = dir.resolve("exit-code");
        String router = "if [ -f '" + code + "' ]; then exit \"$(cat '" + code + "')\"; fi; exec sleep 600";
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", RouterLauncher.HOST_SUPERVISOR,
                RouterLauncher.SUPERVISOR_NAME, "/bin/sh", "-c", router, "fake-router"));
        supervisor = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("supervisor.log").toFile())).start();
        // Both routers running, and nothing else (its start forks a short-lived date for each).
        awaitTrue(() -> routers().size() == 2 && supervisor.children().count() == 2);
        return supervisor;
    }

    /** The supervisor's children that are routers (the sleeping stand-ins), by pid. */
    private Set<Long> routers() {
        return supervisor.children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @Test
    void itsChildrenAreTheTwoRoutersAndAKilledOneIsStartedAgainAloneWithoutTouchingTheOther() throws Exception {
        start();
        assertThat(supervisor.children().toList()).as("no shell between the supervisor and its routers")
                .hasSize(2).allMatch(p -> routers().contains(p.pid()));
        Set<Long> first = routers();
        long killed = first.iterator().next();
        long other = first.stream().filter(pid -> pid != killed).findFirst().orElseThrow();

        ProcessHandle.of(killed).orElseThrow().destroyForcibly();
        awaitTrue(() -> restarted(Set.of(killed)));

        assertThat(routers()).as("the other router untouched").contains(other);
        assertThat(supervisor.isAlive()).isTrue();
        assertThat(Files.readString(dir.resolve("supervisor.log")))
                .contains("the router exited with code 137; starting it again");

        // Both at once (as a crash of the host would): both are started again.
        Set<Long> second = routers();
        second.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        awaitTrue(() -> restarted(second));
        assertThat(supervisor.isAlive()).isTrue();
    }

    @Test
    void aRouterThatExitsOfATakenAddressEndsTheSupervisorWithItsCodeAndStopsTheOther() throws Exception {
        start();
        Set<Long> both = routers();
        Files.writeString(dir.resolve("exit-code"), "3");
        ProcessHandle.of(both.iterator().next()).orElseThrow().destroyForcibly();

        assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).as("the supervisor ends").isTrue();
        assertThat(supervisor.exitValue()).isEqualTo(3);
        for (long pid : both) {
            awaitTrue(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
        }
    }

    @Test
    void aSigtermStopsBothRoutersAndEndsTheSupervisorCleanly() throws Exception {
        start();
        Set<Long> both = routers();
        supervisor.destroy();

        assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).as("the supervisor ends").isTrue();
        assertThat(supervisor.exitValue()).isZero();
        for (long pid : both) {
            awaitTrue(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
        }
    }

    @Test
    void aRouterThatDiesAgainSoonIsStartedAfterAWaitThatTheOtherRouterDoesNotShare() throws Exception {
        start();
        long first = routers().iterator().next();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        awaitTrue(() -> restarted(Set.of(first)));
        Set<Long> now = routers();
        // Both killed: the one that dies a second time within 10 s waits (a shell sleeping, then the router), the
        // other, killed for the first time, is back at once.
        for (long pid : now) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        awaitTrue(() -> supervisor.children().anyMatch(p -> p.info().arguments()
                .map(args -> List.of(args).contains("sleep \"$0\"; exec \"$@\"")).orElse(false)));
        awaitTrue(() -> restarted(now));
        assertThat(supervisor.isAlive()).isTrue();
    }

    /**
     * Two routers run and none of {@code gone} is among them, in one look at the children: two looks could see a
     * killed router not yet reaped (still two) and then reaped (not among them) before any new one was started.
     */
    private boolean restarted(Set<Long> gone) {
        Set<Long> now = routers();
        return now.size() == 2 && now.stream().noneMatch(gone::contains);
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within 30 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
