package dev.deployguard.local.router;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The warm standby of a host router: a second router JVM its supervisor keeps started, so that a router that dies
 * costs no JVM start. Which of the two serves is decided by an exclusive lock on {@code router.active} in the state
 * directory, not by the supervisor: the process that holds it serves, the other loads its classes while it waits
 * for the lock ({@link StandbyWarmUp}: requests, plain and TLS, through throw-away apps on 127.0.0.1 port 0, their
 * admin API and their restore from files, in a temp directory). The kernel releases the lock the instant its holder
 * dies, {@code kill -9} included, which wakes the standby as an event (no polling); only then does it read the
 * apps' listener and route files, so two processes never serve with different tables. It holds no per-app state
 * while it waits.
 */
final class RouterStandby {
    /** The lock file in the state directory; it holds "PID START-MILLIS" of the router that serves. */
    static final String ACTIVE_FILE = "router.active";
    private static final long PREVIOUS_EXIT_WAIT_MS = 2_000;

    /** Held in a static field: a channel nobody references could be closed by the GC, and its lock released. */
    private static volatile RouterStandby held;

    /** When this process, a standby, got the lock (0: it never waited); for the log line once it serves. */
    private final long lockedNanos;

    private final FileChannel channel;
    private final FileLock lock;

    private RouterStandby(FileChannel channel, FileLock lock, long lockedNanos) {
        this.channel = channel;
        this.lock = lock;
        this.lockedNanos = lockedNanos;
    }

    /** The warm-up a standby runs while it waits; it stops early once {@code takeoverDue} (see StandbyWarmUp). */
    interface WarmUp {
        void run(BooleanSupplier takeoverDue) throws IOException;

        /** After {@link #run} ended, for as long as the standby waits: warm-up its state directory asks for later. */
        default void whileWaiting(BooleanSupplier takeoverDue) throws IOException {
        }
    }

    /**
     * Returns once this process may serve: at once when no router holds the state directory, else after warming
     * up and waiting for the one that serves to die. Empty when it must not serve after all (its supervisor is gone).
     * The lock is kept for the life of the process.
     */
    static Optional<RouterStandby> awaitTurn(Path stateDir, int adminPort, RouterLimits limits, PrintStream out)
            throws IOException {
        boolean tls = StandbyWarmUp.anyTls(stateDir);
        return awaitTurn(stateDir, out, new WarmUp() {
            @Override
            public void run(BooleanSupplier takeoverDue) throws IOException {
                // A standby started right after a takeover (in the dead JVM's place) warms up only once the router
                // that took over serves: on two cores its warm-up would otherwise compete with that takeover.
                StandbyWarmUp.afterTheRouterServes(adminPort, takeoverDue);
                StandbyWarmUp.run(limits, out, takeoverDue, tls);
            }

            /** An app given HTTPS after the standby started: the standby warms TLS up then, not at the takeover. */
            @Override
            public void whileWaiting(BooleanSupplier takeoverDue) throws IOException {
                if (!tls) {
                    StandbyWarmUp.onceAnAppServesTls(stateDir, takeoverDue,
                            () -> StandbyWarmUp.run(limits, out, takeoverDue, true));
                }
            }
        });
    }

    /**
     * As {@link #awaitTurn(Path, int, RouterLimits, PrintStream)} with the given warm-up. The lock is awaited from the
     * start, beside the warm-up (which runs on a thread of its own): a router that dies while its standby still
     * warms up (a kill soon after a takeover) is replaced at once by the partly warm standby, which loads the rest as
     * it serves, instead of after the rest of the warm-up.
     */
    static Optional<RouterStandby> awaitTurn(Path stateDir, PrintStream out, WarmUp warmUp) throws IOException {
        Files.createDirectories(stateDir);
        FileChannel channel = FileChannel.open(stateDir.resolve(ACTIVE_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        long lockedAt = 0;
        if (lock == null) {
            long pid = ProcessHandle.current().pid();
            CompletableFuture<Locked> locked = lockWhenFree(channel);
            long started = System.nanoTime();
            out.println("router standby (pid " + pid + "): warming up");
            out.flush();
            CompletableFuture<Boolean> warmed = warmUpBeside(warmUp, locked, out);
            CompletableFuture.anyOf(locked, warmed).handle((done, failure) -> null).join();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (warmed.isDone() && warmed.join()) {
                out.println("router standby (pid " + pid + "): warmed up in " + ms + " ms; waiting to take over");
            } else {
                out.println("router standby (pid " + pid + "): the router it stood by for is gone " + ms + " ms into"
                        + " the warm-up; taking over without the rest of it");
            }
            out.flush();
            Locked got = join(locked);
            lock = got.lock();
            lockedAt = got.nanos();
            if (!RouterLauncher.supervisor().map(ProcessHandle::isAlive).orElse(false)) {
                // The router it stood by for exited because their supervisor died: nobody wants this one to serve.
                channel.close();
                return Optional.empty();
            }
            awaitExit(previousHolder(channel));
            out.println("router standby (pid " + pid + "): the router that served is gone (reaped "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedAt) + " ms after its lock was"
                    + " released); taking over");
            out.flush();
        }
        RouterStandby standby = new RouterStandby(channel, lock, lockedAt);
        standby.record();
        held = standby;
        return Optional.of(standby);
    }

    private record Locked(FileLock lock, long nanos) {
    }

    /** The state directory's lock, taken by a thread of its own as soon as the router that holds it is gone. */
    private static CompletableFuture<Locked> lockWhenFree(FileChannel channel) {
        CompletableFuture<Locked> locked = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                FileLock lock = channel.lock();
                locked.complete(new Locked(lock, System.nanoTime()));
            } catch (IOException | RuntimeException e) {
                locked.completeExceptionally(e);
            }
        }, "router-standby-lock");
        waiter.setDaemon(true);
        waiter.start();
        return locked;
    }

    /**
     * The warm-up, on a thread of its own: true once it ran to its end (or failed, which costs only speed), false
     * once it stopped for the takeover. The takeover does not wait for it: a step under way (the first ones load
     * most classes, seconds on a busy machine) ends beside the takeover, and the warm-up stops at its next one.
     */
    private static CompletableFuture<Boolean> warmUpBeside(WarmUp warmUp, CompletableFuture<Locked> locked,
                                                           PrintStream out) {
        CompletableFuture<Boolean> warmed = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                warmUp.run(locked::isDone);
                warmed.complete(true);
            } catch (StandbyWarmUp.TakeoverDue e) {
                warmed.complete(false);
                return;
            } catch (Exception e) {
                out.println("router standby: warm-up failed (" + e + "); a takeover loads what it needs itself");
                warmed.complete(true);
            }
            try {
                warmUp.whileWaiting(locked::isDone);
            } catch (StandbyWarmUp.TakeoverDue e) {
                // The takeover came first; it loads the rest itself.
            } catch (Exception e) {
                out.println("router standby: later warm-up failed (" + e + "); a takeover loads what it needs itself");
            }
        }, "router-standby-warm-up");
        thread.setDaemon(true);
        thread.start();
        return warmed;
    }

    private static Locked join(CompletableFuture<Locked> locked) throws IOException {
        try {
            return locked.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the state directory's lock", e);
        }
    }

    /** Lets go of the lock (a test's cleanup; a router holds it for its life). */
    void release() throws IOException {
        if (held == this) {
            held = null;
        }
        channel.close();
    }

    /**
     * The admin token this process serves with: the one read at its start, unless it is a standby that took over,
     * which reads the token file again ({@link #reread}), since a control plane may have rotated it meanwhile.
     */
    String tokenToServe(Path tokenFile, String atStart, PrintStream out) {
        return lockedNanos == 0 ? atStart : reread(tokenFile, atStart, out);
    }

    /**
     * The token the file holds now; the one read at start if the file is unreadable or empty now (a file being
     * replaced), which the log says: the admin API then keeps the token it was started with.
     */
    static String reread(Path tokenFile, String atStart, PrintStream out) {
        String now;
        try {
            now = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            now = "";
        }
        if (now.isEmpty()) {
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): the token file " + tokenFile
                    + " is unreadable or empty at the takeover; keeping the token it held when this router started");
            return atStart;
        }
        if (!now.equals(atStart)) {
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): the token file " + tokenFile
                    + " changed while it waited; serving with the token it holds now");
        }
        return now;
    }

    /** Logs how long a takeover took from the lock to serving every app; nothing when this process never waited. */
    void noteServing(PrintStream out, int apps) {
        if (lockedNanos != 0) {
            out.println("router standby (pid " + ProcessHandle.current().pid() + "): serving " + apps + " apps "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedNanos) + " ms after the lock");
        }
    }

    /** The JVM that serves the host router of {@code stateDir}, as its lock file names it, if it runs. */
    static Optional<ProcessHandle> active(Path stateDir) {
        try {
            return parse(Files.readString(stateDir.resolve(ACTIVE_FILE), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void record() throws IOException {
        ProcessHandle self = ProcessHandle.current();
        byte[] bytes = (self.pid() + " " + self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(bytes), 0);
        channel.force(false);
    }

    private static Optional<ProcessHandle> previousHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        return parse(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
    }

    /** The live process "PID START-MILLIS" names; a pid reused by another process (other start) is not it. */
    private static Optional<ProcessHandle> parse(String text) {
        String[] fields = text.strip().split(" ");
        if (fields.length != 2) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(fields[0]);
            long start = Long.parseLong(fields[1]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().startInstant().map(i -> i.toEpochMilli() == start).orElse(false));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The kernel lets go of a dead process's lock while it closes its files, possibly before its listening sockets:
     * wait (a few milliseconds at most; bounded) until it is reaped, so its addresses are free to bind.
     */
    private static void awaitExit(Optional<ProcessHandle> previous) {
        if (previous.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PREVIOUS_EXIT_WAIT_MS);
        while (previous.get().isAlive() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
