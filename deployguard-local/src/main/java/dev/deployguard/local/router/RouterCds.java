package dev.deployguard.local.router;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The host router's class-data-sharing archive (JDK 17 dynamic AppCDS), kept beside its jar ({@link RouterClassPath}:
 * {@code router-KEY.jar} gets {@code router-KEY.jar.jsa}), as the {@code deployguard} launcher keeps one for the CLI.
 * A router that maps it starts sooner (0.25 s on a quiet machine, 0.5 s at load 30), its warm standby warms up 3-5x
 * faster, and both hold 2-3 MB less at their peak (docs/benchmarks.md, "the AppCDS archive built in").
 *
 * <p>The archive is made by a training run ({@link RouterCdsTraining}: {@code -XX:ArchiveClassesAtExit} on a JVM
 * that adds apps, routes requests through them and restores them, then exits), in the background, so no router start
 * waits for it: a router started before it exists runs as before. Exactly one writer: a file lock beside the archive
 * (and a set in this JVM) admits one training at a time, which writes under a temporary name; the result is checked by
 * mapping it ({@code -Xshare:on} fails on an archive the JVM cannot use) and only then moved into place, with a stamp
 * (its size, time and inode, and the JVM it was made by). A router maps the archive only when the stamp still fits (a
 * file changed in place, e.g. truncated, could crash a JVM mapping it), with {@code -Xshare:auto}, which also skips an
 * archive the JVM finds unusable: an archive never stops a router from starting. A training that fails is not tried
 * again for the same jar and JVM (each try costs seconds of CPU). The routers themselves never write it: the two JVMs
 * of a supervised host router both only read it.
 *
 * <p>The training JVM holds a second lock ({@code .training.lock}) for its whole life and runs on when the process that
 * started it ends (a control plane that lived seconds, as in tests): the next one then waits for it instead of
 * training again, and puts its archive in place once it has mapped it.
 */
final class RouterCds {
    static final String SUFFIX = ".jsa";
    /** {@code DEPLOYGUARD_CDS=off} runs routers without the archive, as it runs the CLI without its own. */
    static final String SWITCH_ENV = "DEPLOYGUARD_CDS";
    static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);
    private static final Set<Path> TRAINING = ConcurrentHashMap.newKeySet();

    /** Makes an archive at {@code tmp} (from the jar it is for); true when it wrote one that maps. */
    interface Trainer {
        boolean train(Path tmp) throws IOException, InterruptedException;

        /** Whether a JVM maps the archive at {@code tmp} (one a training left behind). */
        default boolean maps(Path tmp) throws IOException, InterruptedException {
            return true;
        }
    }

    /** What a training run gave. */
    enum Outcome { WRITTEN, PRESENT, BUSY, FAILED }

    private RouterCds() {
    }

    /** The router jar whose archive a host router on {@code classPath} with {@code jvmOptions} maps, if it should. */
    static Optional<Path> jarFor(String classPath, List<String> jvmOptions, Map<String, String> env) {
        return wanted(jvmOptions, env) ? routerJar(classPath) : Optional.empty();
    }

    /**
     * The router jar whose archive applies to {@code classPath}: the class path must be that one jar (an archive is
     * tied to its class path, and it holds classes of jars only), written by {@link RouterClassPath}.
     */
    static Optional<Path> routerJar(String classPath) {
        if (classPath.isEmpty() || classPath.contains(java.io.File.pathSeparator)) {
            return Optional.empty();
        }
        Path jar = Path.of(classPath).toAbsolutePath();
        String name = jar.getFileName().toString();
        return name.startsWith(RouterClassPath.PREFIX) && name.endsWith(".jar") && Files.isRegularFile(jar)
                ? Optional.of(jar) : Optional.empty();
    }

    /**
     * Whether routers started with {@code jvmOptions} and this environment use the archive: not when the options
     * choose their own class-data sharing ({@code -Xshare:*}, an archive of their own), nor with
     * {@code DEPLOYGUARD_CDS=off}.
     */
    static boolean wanted(List<String> jvmOptions, Map<String, String> env) {
        if ("off".equals(env.get(SWITCH_ENV))) {
            return false;
        }
        return jvmOptions.stream().noneMatch(o -> o.startsWith("-Xshare") || o.contains("SharedArchiveFile")
                || o.contains("ArchiveClassesAtExit"));
    }

    static Path archiveOf(Path jar) {
        return jar.resolveSibling(jar.getFileName() + SUFFIX);
    }

    /** The JVM options that map the archive of {@code jar}, if it is in place and still the file that was checked. */
    static List<String> options(Path jar) {
        Path jsa = archiveOf(jar);
        return usable(jsa) ? List.of("-XX:SharedArchiveFile=" + jsa, "-Xshare:auto") : List.of();
    }

    static boolean usable(Path jsa) {
        try {
            return Files.isRegularFile(jsa)
                    && Files.readString(stamp(jsa), StandardCharsets.UTF_8).equals(stampOf(jsa));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Trains the archive of {@code jar} on a daemon thread, unless it is in place, failed before or being trained. */
    static void trainInBackground(Path jar, List<String> jvmOptions) {
        Path jsa = archiveOf(jar);
        if (usable(jsa) || failedBefore(jsa) || TRAINING.contains(jsa)) {
            return;
        }
        Thread thread = new Thread(() -> train(jar, new TrainingRun(jar, jvmOptions, TRAINING_TIMEOUT)),
                "router-cds-training");
        thread.setDaemon(true);
        thread.start();
    }

    /** Makes the archive of {@code jar} now, or waits for the training another holds: true when it is in place. */
    static boolean trainNow(Path jar, List<String> jvmOptions) throws InterruptedException {
        long deadline = System.nanoTime() + TRAINING_TIMEOUT.toNanos();
        while (true) {
            Outcome outcome = train(jar, new TrainingRun(jar, jvmOptions, TRAINING_TIMEOUT));
            if (outcome != Outcome.BUSY || System.nanoTime() - deadline > 0) {
                return outcome == Outcome.WRITTEN || outcome == Outcome.PRESENT;
            }
            Thread.sleep(100); // another writer holds the lock: its archive is what this waits for
        }
    }

    /**
     * Makes the archive of {@code jar} with {@code trainer} unless it is in place or failed before for this JVM; one
     * writer at a time, across processes: a second caller gets {@link Outcome#BUSY} at once.
     */
    @SuppressWarnings("try") // the lock is held for the try's body, never read
    static Outcome train(Path jar, Trainer trainer) {
        Path jsa = archiveOf(jar);
        if (!TRAINING.add(jsa)) {
            return Outcome.BUSY;
        }
        try (FileChannel channel = FileChannel.open(lock(jsa), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return Outcome.BUSY;
            }
            try (lock) {
                if (usable(jsa)) {
                    return Outcome.PRESENT;
                }
                if (held(trainingLock(jsa))) {
                    return Outcome.BUSY; // a training JVM whose starter ended runs on: its archive is adopted next
                }
                if (adoptLeftover(jsa, trainer)) {
                    return Outcome.WRITTEN;
                }
                if (failedBefore(jsa)) {
                    return Outcome.FAILED;
                }
                return trainLocked(jsa, trainer);
            }
        } catch (OverlappingFileLockException e) {
            return Outcome.BUSY;
        } catch (IOException e) {
            return Outcome.FAILED; // a cache that cannot be written: routers run without an archive
        } finally {
            TRAINING.remove(jsa);
        }
    }

    private static Outcome trainLocked(Path jsa, Trainer trainer) throws IOException {
        Path tmp = jsa.resolveSibling(jsa.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            boolean written;
            try {
                written = trainer.train(tmp) && Files.isRegularFile(tmp) && Files.size(tmp) > 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.FAILED; // not marked: another start tries again
            } catch (IOException | RuntimeException e) {
                written = false;
            }
            if (!written) {
                Files.writeString(failed(jsa), javaIdentity(), StandardCharsets.UTF_8);
                return Outcome.FAILED;
            }
            putInPlace(tmp, jsa);
            return Outcome.WRITTEN;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Moves a checked archive into place, then its stamp: a reader never finds a stamp of another file. */
    private static void putInPlace(Path tmp, Path jsa) throws IOException {
        Path stampTmp = jsa.resolveSibling(stamp(jsa).getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.deleteIfExists(stamp(jsa));
            Files.move(tmp, jsa, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(stampTmp, stampOf(jsa), StandardCharsets.UTF_8);
            Files.move(stampTmp, stamp(jsa), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(failed(jsa));
        } finally {
            Files.deleteIfExists(stampTmp);
        }
    }

    /**
     * An archive a training JVM wrote after the process that started it had ended (a control plane stopped within
     * seconds, as in tests): checked by mapping it and put in place, so that training is not run again; one that does
     * not map is removed. Both locks are free here: no training writes any of them any more.
     */
    private static boolean adoptLeftover(Path jsa, Trainer trainer) throws IOException {
        List<Path> left = new ArrayList<>();
        try (var found = Files.newDirectoryStream(jsa.getParent(), jsa.getFileName() + ".*.tmp")) {
            found.forEach(left::add);
        }
        boolean adopted = false;
        for (Path tmp : left) {
            try {
                if (!adopted && Files.size(tmp) > 0 && trainer.maps(tmp)) {
                    putInPlace(tmp, jsa);
                    adopted = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return adopted;
    }

    /** Whether another holds the lock on {@code file} (a training JVM holds its lock until it has exited). */
    static boolean held(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                lock.release();
            }
            return lock == null;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes the archive of {@code jar} and its files (with the jar, by {@link RouterClassPath}'s rule). */
    static void removeWith(Path jar) {
        Path jsa = archiveOf(jar);
        List<Path> files = new ArrayList<>(List.of(jsa, stamp(jsa), failed(jsa), log(jsa), lock(jsa),
                trainingLock(jsa)));
        try (var left = Files.newDirectoryStream(jsa.getParent(), jsa.getFileName() + ".*.tmp")) {
            left.forEach(files::add);
        } catch (IOException e) {
            // None to add.
        }
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // Left for the next removal.
            }
        }
    }

    static Path stamp(Path jsa) {
        return jsa.resolveSibling(jsa.getFileName() + ".ok");
    }

    static Path failed(Path jsa) {
        return jsa.resolveSibling(jsa.getFileName() + ".failed");
    }

    static Path lock(Path jsa) {
        return jsa.resolveSibling(jsa.getFileName() + ".lock");
    }

    /** Held by the training JVM for its whole life, the archive's writing at exit included. */
    static Path trainingLock(Path jsa) {
        return jsa.resolveSibling(jsa.getFileName() + ".training.lock");
    }

    static Path log(Path jsa) {
        return jsa.resolveSibling(jsa.getFileName() + ".log");
    }

    private static boolean failedBefore(Path jsa) {
        try {
            return Files.readString(failed(jsa), StandardCharsets.UTF_8).equals(javaIdentity());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The file as it was checked (size, time, inode) and the JVM that checked it: the archive is that JVM's. */
    static String stampOf(Path jsa) throws IOException {
        Object inode;
        try {
            inode = Files.getAttribute(jsa, "unix:ino");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            inode = Files.readAttributes(jsa, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        }
        return Files.size(jsa) + "-" + Files.getLastModifiedTime(jsa).toMillis() + "-" + inode + "\n"
                + javaIdentity();
    }

    private static String javaIdentity() {
        return System.getProperty("java.home") + " " + System.getProperty("java.vm.version");
    }

    /**
     * The real training: {@link RouterCdsTraining} run from the router jar with the routers' JVM options and
     * {@code -XX:ArchiveClassesAtExit}, then the archive mapped with {@code -Xshare:on} by a JVM on the same class
     * path.
     * Both JVMs' output goes to {@code router-KEY.jar.jsa.log}.
     */
    record TrainingRun(Path jar, List<String> jvmOptions, Duration timeout) implements Trainer {
        @Override
        public boolean train(Path tmp) throws IOException, InterruptedException {
            Path log = log(archiveOf(jar));
            Files.deleteIfExists(log);
            return run(List.of("-XX:ArchiveClassesAtExit=" + tmp), List.of(RouterCdsTraining.class.getName(),
                    trainingLock(archiveOf(jar)).toString()), log)
                    && Files.isRegularFile(tmp) && Files.size(tmp) > 0 && maps(tmp);
        }

        @Override
        public boolean maps(Path tmp) throws IOException, InterruptedException {
            return run(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + tmp), List.of("-version"),
                    log(archiveOf(jar)));
        }

        private boolean run(List<String> archive, List<String> main, Path log) throws IOException,
                InterruptedException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // The routers' options (their heap and JIT flags), without their logging: the archive is theirs.
            jvmOptions.stream().filter(o -> !o.startsWith("-Xlog") && !o.startsWith("-verbose")).forEach(command::add);
            command.addAll(archive);
            command.addAll(main);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // As the router: its class path in CLASSPATH (the archive records it and a router must match it).
            builder.environment().put("CLASSPATH", jar.toString());
            if (Files.exists(Path.of("/dev/null"))) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return false;
            }
            return process.exitValue() == 0;
        }
    }
}
