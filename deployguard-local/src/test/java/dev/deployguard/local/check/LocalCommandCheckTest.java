package dev.deployguard.local.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCommandCheckTest {
    private static final String FIELD = "apps.web.platform.local.command[0]";
    @TempDir
    Path dir;

    private static CheckContext context(String version) {
        return new CheckContext(null, version, Duration.ofSeconds(5), Clock.systemUTC(), null);
    }

    private Path file(String relative, String perms) throws IOException {
        Path f = dir.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "#!/bin/sh\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    private CheckResult run(String program, String path, String version) {
        return new LocalCommandCheck(program, dir, path, FIELD).run(context(version));
    }

    @Test
    void passesForAnExecutableRelativeToTheWorkingDirectory() throws IOException {
        Path f = file("releases/1.4.2/server", "rwxr-xr-x");

        CheckResult r = run("./releases/${version}/server", "", "1.4.2");

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo(f + " exists and is executable");
    }

    @Test
    void findsANameWithoutSlashOnPathLikeExecvp() throws IOException {
        Path other = Files.createDirectories(dir.resolve("bin1"));
        file("bin1/server", "rw-r--r--");
        Path f = file("bin2/server", "rwxr-xr-x");

        CheckResult r = run("server", other + ":" + dir.resolve("bin2"), null);

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("'server' found on PATH at " + f + ", executable");
    }

    @Test
    void failsForAMissingProgramNamingWhereItLooked() {
        CheckResult r = run("./server", "", "1.0");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo(dir.resolve("server") + " does not exist (relative to " + dir + ")");
        assertThat(r.remedy()).contains(FIELD);
    }

    @Test
    void failsForAFileThatIsNotExecutable() throws IOException {
        Path f = file("server", "rw-r--r--");

        CheckResult r = run("./server", "", "1.0");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo(f + " exists but is not executable (relative to " + dir + ")");
        assertThat(r.remedy()).startsWith("make it executable (chmod +x " + f + ")");
    }

    @Test
    void failsForANameNotOnPath() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));

        CheckResult r = run("no-such-server", bin.toString(), "1.0");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("'no-such-server' is not on PATH (" + bin + ")");
    }

    @Test
    void cannotTellWithoutTheVersionTheProgramDependsOn() {
        CheckResult r = run("./releases/${version}/server", "", null);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).isEqualTo("the program './releases/${version}/server' depends on the version,"
                + " and none was given");
        assertThat(r.remedy()).isEqualTo("pass the version to check with --version V");
    }
}
