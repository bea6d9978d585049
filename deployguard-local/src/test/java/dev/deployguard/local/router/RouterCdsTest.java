package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host router's class-data archive beside its jar ({@link RouterCds}): when it is mapped, that it is made by one
 * writer at a time, not again after a failure, and never mapped once changed after its check. The training itself
 * (a JVM with {@code -XX:ArchiveClassesAtExit}) is {@code RouterCdsIT}'s; here a trainer writes bytes.
 */
class RouterCdsTest {
    @TempDir
    Path dir;

    private Path routerJar() throws Exception {
        return Files.write(dir.resolve("router-1a2b-100-200.jar"), new byte[] {1, 2, 3});
    }

    private static RouterCds.Trainer writing(byte[] bytes, AtomicInteger calls) {
        return tmp -> {
            calls.incrementAndGet();
            Files.write(tmp, bytes);
            return true;
        };
    }

    @Test
    void onlyARouterJarAloneOnTheClassPathHasAnArchive() throws Exception {
        Path jar = routerJar();
        Path other = Files.write(dir.resolve("deployguard.jar"), new byte[] {1});
        assertThat(RouterCds.routerJar(jar.toString())).contains(jar);
        assertThat(RouterCds.routerJar(jar + File.pathSeparator + other)).as("more than the router's jar").isEmpty();
        assertThat(RouterCds.routerJar(other.toString())).as("not a router jar").isEmpty();
        assertThat(RouterCds.routerJar(dir.toString())).as("a directory").isEmpty();
        assertThat(RouterCds.routerJar(dir.resolve("router-gone.jar").toString())).as("missing").isEmpty();
        assertThat(RouterCds.archiveOf(jar)).isEqualTo(dir.resolve("router-1a2b-100-200.jar.jsa"));
    }

    @Test
    void theArchiveIsOffWithDeployguardCdsOffOrTheRoutersOwnClassDataOptions() throws Exception {
        Path jar = routerJar();
        assertThat(RouterCds.jarFor(jar.toString(), RouterLauncher.DEFAULT_JVM_OPTIONS, Map.of())).contains(jar);
        assertThat(RouterCds.jarFor(jar.toString(), RouterLauncher.DEFAULT_JVM_OPTIONS,
                Map.of("DEPLOYGUARD_CDS", "off"))).isEmpty();
        assertThat(RouterCds.wanted(List.of("-Xshare:off"), Map.of())).isFalse();
        assertThat(RouterCds.wanted(List.of("-XX:SharedArchiveFile=/x.jsa"), Map.of())).isFalse();
        assertThat(RouterCds.wanted(List.of("-XX:ArchiveClassesAtExit=/x.jsa"), Map.of())).isFalse();
        assertThat(RouterCds.wanted(List.of("-Xms12m"), Map.of("DEPLOYGUARD_CDS", "on"))).isTrue();
    }

    @Test
    void noArchiveMapsNothingAndATrainedOneIsMappedWithXshareAuto() throws Exception {
        Path jar = routerJar();
        assertThat(RouterCds.options(jar)).as("absent").isEmpty();
        // An empty file a training JVM left (it was killed as it began writing): removed, not adopted.
        Files.write(dir.resolve(RouterCds.archiveOf(jar).getFileName() + ".4242.tmp"), new byte[0]);

        AtomicInteger calls = new AtomicInteger();
        assertThat(RouterCds.train(jar, writing(new byte[4096], calls))).isEqualTo(RouterCds.Outcome.WRITTEN);

        Path jsa = RouterCds.archiveOf(jar);
        assertThat(RouterCds.options(jar)).containsExactly("-XX:SharedArchiveFile=" + jsa, "-Xshare:auto");
        assertThat(RouterCds.train(jar, writing(new byte[1], calls))).as("in place: not made again")
                .isEqualTo(RouterCds.Outcome.PRESENT);
        assertThat(calls).hasValue(1);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList())
                    .as("temporary files left, this training's and the one before").isEmpty();
        }
    }

    @Test
    void anArchiveChangedAfterItsCheckIsNeverMapped() throws Exception {
        Path jar = routerJar();
        RouterCds.train(jar, writing(new byte[8192], new AtomicInteger()));
        Path jsa = RouterCds.archiveOf(jar);
        assertThat(RouterCds.usable(jsa)).isTrue();

        // Truncated in place (a JVM mapping it would die of SIGBUS): its size no longer fits the stamp.
        try (FileChannel channel = FileChannel.open(jsa, StandardOpenOption.WRITE)) {
            channel.truncate(100);
        }
        assertThat(RouterCds.options(jar)).as("truncated").isEmpty();

        // Replaced by other bytes of the same length: another file (inode), another stamp.
        Path garbage = Files.write(dir.resolve("garbage"), new byte[8192]);
        Files.move(garbage, jsa, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(RouterCds.options(jar)).as("replaced").isEmpty();

        // Its stamp gone.
        RouterCds.train(jar, writing(new byte[8192], new AtomicInteger()));
        Files.delete(RouterCds.stamp(jsa));
        assertThat(RouterCds.options(jar)).as("no stamp").isEmpty();
    }

    @Test
    void oneWriterAtATime() throws Exception {
        Path jar = routerJar();
        CountDownLatch inTraining = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<RouterCds.Outcome> first = CompletableFuture.supplyAsync(() -> RouterCds.train(jar, tmp -> {
            calls.incrementAndGet();
            inTraining.countDown();
            Files.write(tmp, new byte[512]);
            return finish.await(30, TimeUnit.SECONDS);
        }));
        assertThat(inTraining.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(RouterCds.train(jar, writing(new byte[2], calls))).as("a second writer in this JVM")
                .isEqualTo(RouterCds.Outcome.BUSY);
        finish.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(RouterCds.Outcome.WRITTEN);
        assertThat(calls).hasValue(1);
        assertThat(Files.size(RouterCds.archiveOf(jar))).as("the first writer's archive").isEqualTo(512);
    }

    @Test
    void theLockFileKeepsOutAWriterWhileAnotherHoldsIt() throws Exception {
        Path jar = routerJar();
        Path jsa = RouterCds.archiveOf(jar);
        AtomicInteger calls = new AtomicInteger();
        // As another process's training would hold it (in this JVM the lock is refused as overlapping, in another
        // as taken: both mean someone else writes).
        try (FileChannel channel = FileChannel.open(RouterCds.lock(jsa), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = channel.lock()) {
            assertThat(held.isValid()).isTrue();
            assertThat(RouterCds.train(jar, writing(new byte[2], calls))).isEqualTo(RouterCds.Outcome.BUSY);
        }
        assertThat(calls).hasValue(0);
        assertThat(RouterCds.train(jar, writing(new byte[2], calls))).as("once it is free")
                .isEqualTo(RouterCds.Outcome.WRITTEN);
    }

    @Test
    void whileATrainingJvmRunsNobodyTrainsAndItsArchiveIsAdoptedOnceItMaps() throws Exception {
        Path jar = routerJar();
        Path jsa = RouterCds.archiveOf(jar);
        AtomicInteger trained = new AtomicInteger();
        AtomicInteger checked = new AtomicInteger();
        RouterCds.Trainer trainer = new RouterCds.Trainer() {
            @Override
            public boolean train(Path tmp) throws java.io.IOException {
                trained.incrementAndGet();
                Files.write(tmp, new byte[16]);
                return true;
            }

            @Override
            public boolean maps(Path tmp) throws java.io.IOException {
                checked.incrementAndGet();
                return Files.size(tmp) == 777; // only the good leftover maps
            }
        };
        // A training JVM whose control plane ended holds its lock until it has written its archive and exited.
        try (FileChannel channel = FileChannel.open(RouterCds.trainingLock(jsa), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = channel.lock()) {
            assertThat(held.isValid()).isTrue();
            assertThat(RouterCds.train(jar, trainer)).isEqualTo(RouterCds.Outcome.BUSY);
        }
        assertThat(trained).as("no second training beside it").hasValue(0);

        // It wrote its archive and exited: the next one maps it and puts it in place instead of training.
        Files.write(dir.resolve(jsa.getFileName() + ".1111.tmp"), new byte[777]);
        assertThat(RouterCds.train(jar, trainer)).isEqualTo(RouterCds.Outcome.WRITTEN);
        assertThat(trained).hasValue(0);
        assertThat(checked).hasValue(1);
        assertThat(Files.size(jsa)).isEqualTo(777);
        assertThat(RouterCds.usable(jsa)).isTrue();

        // A leftover that does not map is removed, and a training runs.
        Files.delete(RouterCds.stamp(jsa));
        Files.write(dir.resolve(jsa.getFileName() + ".2222.tmp"), new byte[5]);
        assertThat(RouterCds.train(jar, trainer)).isEqualTo(RouterCds.Outcome.WRITTEN);
        assertThat(trained).hasValue(1);
        assertThat(Files.size(jsa)).isEqualTo(16);
        assertThat(dir.resolve(jsa.getFileName() + ".2222.tmp")).doesNotExist();
    }

    @Test
    void aFailedTrainingIsNotTriedAgainForTheSameJvmAndLeavesNoArchive() throws Exception {
        Path jar = routerJar();
        AtomicInteger calls = new AtomicInteger();
        RouterCds.Trainer failing = tmp -> {
            calls.incrementAndGet();
            Files.write(tmp, new byte[10]); // half-written, then the JVM failed
            return false;
        };
        assertThat(RouterCds.train(jar, failing)).isEqualTo(RouterCds.Outcome.FAILED);
        assertThat(RouterCds.train(jar, failing)).isEqualTo(RouterCds.Outcome.FAILED);
        assertThat(calls).as("tried once").hasValue(1);
        Path jsa = RouterCds.archiveOf(jar);
        assertThat(jsa).doesNotExist();
        assertThat(RouterCds.options(jar)).isEmpty();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList())
                    .as("the half-written archive is removed").isEmpty();
        }

        // Another JVM (an upgrade) tries again.
        Files.writeString(RouterCds.failed(jsa), "/some/other/java 17.0.1+1");
        assertThat(RouterCds.train(jar, writing(new byte[64], calls))).isEqualTo(RouterCds.Outcome.WRITTEN);
        assertThat(RouterCds.failed(jsa)).doesNotExist();
    }

    @Test
    void anArchiveGoesWithItsJar() throws Exception {
        Path jar = routerJar();
        RouterCds.train(jar, writing(new byte[64], new AtomicInteger()));
        Path jsa = RouterCds.archiveOf(jar);
        Files.writeString(RouterCds.log(jsa), "training output");
        Path leftover = Files.write(dir.resolve(jsa.getFileName() + ".77.tmp"), new byte[3]);
        Path otherJar = Files.write(dir.resolve("router-ffff-1-2.jar"), new byte[] {1});
        RouterCds.train(otherJar, writing(new byte[64], new AtomicInteger()));

        RouterCds.removeWith(jar);

        assertThat(List.of(jsa, RouterCds.stamp(jsa), RouterCds.log(jsa), RouterCds.lock(jsa),
                RouterCds.trainingLock(jsa), leftover))
                .allSatisfy(p -> assertThat(p).doesNotExist());
        assertThat(RouterCds.usable(RouterCds.archiveOf(otherJar))).as("another jar's archive").isTrue();
    }
}
