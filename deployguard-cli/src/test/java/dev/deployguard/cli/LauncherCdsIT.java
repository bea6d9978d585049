package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./deployguard} launcher's class-data archive, run as a user runs it (the real script, the jar this
 * build packaged, a cache directory of the test's own): the first run writes the archive and its stamp, the second
 * maps it ({@code DEPLOYGUARD_CDS=require} adds {@code -Xshare:on}, so the JVM refuses to start unless it does);
 * an archive truncated afterwards (which would crash the JVM with SIGBUS if mapped) is written again; an archive
 * overwritten in place with garbage, stamp intact, is skipped by the JVM and the command still answers; an
 * unwritable cache or {@code DEPLOYGUARD_CDS=off} runs without an archive. The launcher and the jar are copied
 * into a directory without sources, so the launcher never starts a build here.
 */
class LauncherCdsIT {
    @TempDir
    Path dir;
    private Path launcher;
    private Path cache;

    @BeforeEach
    void copyTheDistribution() throws IOException {
        Path root = repositoryRoot();
        Path jar = root.resolve("deployguard-cli/target/deployguard.jar");
        assertThat(jar).as("the distribution jar (built by 'mvn package' before the ITs run)").isRegularFile();
        Path home = dir.resolve("dist");
        Files.createDirectories(home.resolve("deployguard-cli/target"));
        launcher = home.resolve("deployguard");
        Files.copy(root.resolve("deployguard"), launcher, StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(jar, home.resolve("deployguard-cli/target/deployguard.jar"), StandardCopyOption.COPY_ATTRIBUTES);
        cache = dir.resolve("cache");
    }

    @Test
    void theFirstRunWritesTheArchiveAndTheSecondMapsIt() throws Exception {
        Run first = run(Map.of(), "--version");

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("DeployGuard 0.1.0\n");
        assertThat(first.err()).contains("writing the class-data archive");
        Path archive = archive();
        assertThat(Files.size(archive)).isGreaterThan(1_000_000);
        assertThat(Path.of(archive + ".ok")).as("the stamp of the checked archive").isRegularFile();
        FileTime written = Files.getLastModifiedTime(archive);

        Run second = run(Map.of("DEPLOYGUARD_CDS", "require"), "--version");

        assertThat(second.exit()).as("-Xshare:on: the JVM starts only if it maps the archive; " + second.err())
                .isZero();
        assertThat(second.out()).isEqualTo("DeployGuard 0.1.0\n");
        assertThat(second.err()).doesNotContain("writing the class-data archive");
        assertThat(Files.getLastModifiedTime(archive())).as("the same archive, not written again").isEqualTo(written);
        assertThat(run(Map.of(), "help", "status").out()).contains("Usage:", "status");
    }

    @Test
    void aTruncatedArchiveIsWrittenAgainAndTheCommandAnswers() throws Exception {
        assertThat(run(Map.of(), "--version").exit()).isZero();
        Path archive = archive();
        archive.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.setLength(20_000); // mapped as it is, this archive kills the JVM with SIGBUS
        }

        Run after = run(Map.of("DEPLOYGUARD_CDS", "require"), "--version");

        assertThat(after.exit()).as(after.err()).isZero();
        assertThat(after.out()).isEqualTo("DeployGuard 0.1.0\n");
        assertThat(after.err()).contains("writing the class-data archive");
        assertThat(Files.size(archive())).isGreaterThan(1_000_000);
    }

    @Test
    void anArchiveOverwrittenWithGarbageUnderAnIntactStampIsSkippedByTheJvm() throws Exception {
        assertThat(run(Map.of(), "--version").exit()).isZero();
        Path archive = archive();
        FileTime mtime = Files.getLastModifiedTime(archive);
        archive.toFile().setWritable(true);
        byte[] garbage = new byte[(int) Files.size(archive)];
        new Random(7).nextBytes(garbage);
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.write(garbage); // in place: same size, same inode
        }
        Files.setLastModifiedTime(archive, mtime);

        Run after = run(Map.of(), "--version");

        assertThat(after.exit()).as(after.err()).isZero();
        assertThat(after.out()).as("stdout untouched (a JVM notice may go to stderr)").isEqualTo("DeployGuard 0.1.0\n");
    }

    @Test
    void withoutAWritableCacheOrWithTheArchiveOffTheCommandRunsWithoutOne() throws Exception {
        Files.writeString(dir.resolve("file"), "not a directory");
        cache = dir.resolve("file/cache");

        Run unwritable = run(Map.of(), "--version");

        assertThat(unwritable.exit()).as(unwritable.err()).isZero();
        assertThat(unwritable.out()).isEqualTo("DeployGuard 0.1.0\n");
        Run required = run(Map.of("DEPLOYGUARD_CDS", "require"), "--version");
        assertThat(required.exit()).isEqualTo(1);
        assertThat(required.err()).contains("DEPLOYGUARD_CDS=require", "no usable class-data archive");

        cache = dir.resolve("cache-off");
        Run off = run(Map.of("DEPLOYGUARD_CDS", "off"), "--version");
        assertThat(off.exit()).isZero();
        assertThat(off.out()).isEqualTo("DeployGuard 0.1.0\n");
        assertThat(cache).doesNotExist();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("DEPLOYGUARD_JAVA_OPTS");
        pb.environment().remove("DEPLOYGUARD_CDS");
        pb.environment().put("DEPLOYGUARD_CACHE_DIR", cache.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        // Bounded: writing the archive is one training run and one check, seconds on a loaded machine.
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the launcher did not end within 3 minutes: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The one archive in the cache. */
    private Path archive() throws IOException {
        try (Stream<Path> files = Files.list(cache.resolve("cds"))) {
            List<Path> archives = files.filter(f -> f.toString().endsWith(".jsa")).toList();
            assertThat(archives).as("one archive for this jar").hasSize(1);
            return archives.get(0);
        }
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("deployguard")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new AssertionError("no ./deployguard launcher above " + Path.of("").toAbsolutePath());
    }
}
