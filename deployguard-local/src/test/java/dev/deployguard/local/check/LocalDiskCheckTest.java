package dev.deployguard.local.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDiskCheckTest {
    private static final CheckContext CONTEXT = new CheckContext(null, "1.0", Duration.ofSeconds(5),
            Clock.systemUTC(), null);
    @TempDir
    Path dir;

    @Test
    void passesWithEnoughFreeSpaceMeasuringTheNearestExistingParent() throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();

        CheckResult r = new LocalDiskCheck(dir.resolve("state/logs"), 1000).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).endsWith(" free on the filesystem of " + dir + " (at least 1.0 KB required)");
        assertThat((Long) r.data().get("freeBytes")).isBetween(usable / 2, usable * 2);
    }

    @Test
    void failsBelowTheFloorWithBothFigures() throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();
        long floor = usable + 1_000_000_000_000L;

        CheckResult r = new LocalDiskCheck(dir, floor).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).matches("\\d+\\.\\d [KMGT]?B free on the filesystem of " + dir
                .toString().replace(".", "\\.") + ", below the \\d+\\.\\d TB required");
        assertThat(r.remedy()).contains("checks.disk.minFree");
    }

    @Test
    void failsWhenAFileStandsWhereTheDirectoryMustGo() throws IOException {
        Path file = Files.writeString(dir.resolve("state"), "x");

        CheckResult r = new LocalDiskCheck(file.resolve("logs"), 1).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo(file + " is a file, so " + file.resolve("logs") + " cannot be created");
    }

    @Test
    void cannotTellWhenTheFilesystemCannotBeRead() {
        CheckResult r = new LocalDiskCheck(dir, 1, p -> {
            throw new FileSystemException(p.toString(), null, "Input/output error");
        }).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).isEqualTo("cannot tell the free space of " + dir + ": " + dir
                + ": Input/output error");
    }

    @Test
    void sizesInDecimalUnits() {
        assertThat(LocalDiskCheck.size(999)).isEqualTo("999 B");
        assertThat(LocalDiskCheck.size(500_000_000L)).isEqualTo("500.0 MB");
        assertThat(LocalDiskCheck.size(1_234_567_890_123L)).isEqualTo("1.2 TB");
    }
}
