package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm standby's turn: what it serves with (the token file as it is at the takeover, not at its start), and a
 * takeover that does not wait for the end of the warm-up.
 */
class RouterStandbyTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

    @Test
    void aTokenRotatedWhileTheStandbyWaitedIsTheOneItServesWith() throws Exception {
        Path file = Files.writeString(dir.resolve("router.token"), "rotated\n");

        assertThat(RouterStandby.reread(file, "at-start", out)).isEqualTo("rotated");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("changed while it waited");
    }

    @Test
    void anUnchangedTokenIsKeptQuietly() throws Exception {
        Path file = Files.writeString(dir.resolve("router.token"), "same\n");

        assertThat(RouterStandby.reread(file, "same", out)).isEqualTo("same");
        assertThat(log.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aTokenFileGoneOrEmptyAtTheTakeoverKeepsTheTokenReadAtStartAndSaysSo() throws Exception {
        assertThat(RouterStandby.reread(dir.resolve("missing"), "at-start", out)).isEqualTo("at-start");
        Path empty = Files.writeString(dir.resolve("empty"), "  \n");
        assertThat(RouterStandby.reread(empty, "at-start", out)).isEqualTo("at-start");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("unreadable or empty at the takeover");
    }

    @Test
    void aRouterThatNeverWaitedServesWithTheTokenItStartedWith() throws Exception {
        Path file = Files.writeString(dir.resolve("router.token"), "rotated\n");
        RouterStandby first = RouterStandby.awaitTurn(dir.resolve("state"), out, due -> {
            throw new AssertionError("no warm-up when nobody holds the lock");
        }).orElseThrow();
        try {
            assertThat(first.tokenToServe(file, "at-start", out)).isEqualTo("at-start");
        } finally {
            first.release();
        }
    }

    /**
     * The router it stands by for dies while the standby still warms up: the standby takes over without waiting for
     * the warm-up, which is told to stop (at its next step). The lock's holder is another process (a lock is
     * per process), killed with SIGKILL.
     */
    @Test
    void aRouterThatDiesDuringTheWarmUpIsReplacedWithoutWaitingForItsEnd() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                state.resolve(RouterStandby.ACTIVE_FILE).toString()).redirectErrorStream(true).start();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(lines.readLine()).as("the holder has the lock").isEqualTo("locked");
            CountDownLatch warming = new CountDownLatch(1);
            AtomicBoolean sawDue = new AtomicBoolean();
            Future<Optional<RouterStandby>> turn = pool.submit(() -> RouterStandby.awaitTurn(state, out, due -> {
                warming.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!due.getAsBoolean()) { // a warm-up far longer than the test: only the takeover ends it
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("the takeover was never due");
                    }
                    sleepBriefly();
                }
                sawDue.set(true);
                throw new StandbyWarmUp.TakeoverDue();
            }));
            assertThat(warming.await(30, TimeUnit.SECONDS)).as("the warm-up started").isTrue();
            assertThat(turn.isDone()).as("no turn while the holder lives").isFalse();

            holder.destroyForcibly();
            RouterStandby standby = turn.get(60, TimeUnit.SECONDS).orElseThrow();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!sawDue.get() && System.nanoTime() - deadline < 0) {
                    sleepBriefly();
                }
                assertThat(sawDue).as("the warm-up was told to stop").isTrue();
                assertThat(RouterStandby.active(state).map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
                assertThat(log.toString(StandardCharsets.UTF_8)).contains("taking over without the rest of it")
                        .contains("taking over").doesNotContain("waiting to take over");
            } finally {
                standby.release();
            }
        } finally {
            holder.destroyForcibly();
            pool.shutdownNow();
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Holds the lock on the file it is given, says "locked", and keeps it until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.lock();
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(10));
            lock.release();
        }
    }
}
