package dev.deployguard.local.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.platform.Instance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log lines a failed deploy's event carries: the last lines, or a sentence saying there were none. */
class LogTailTest {
    @TempDir
    Path dir;

    private Instance instance(Path log) {
        return new Instance("web", 1, 0, 1, Instant.EPOCH, 4100, log.toString(), Instant.EPOCH);
    }

    @Test
    void theLastLinesWithoutBlankOnes() throws Exception {
        Path log = dir.resolve("i0.log");
        Files.writeString(log, "one\ntwo\n\nthree\nfour\n");
        assertThat(LocalPlatform.logTail(instance(log), 3)).isEqualTo("    | two\n    | three\n    | four");
    }

    @Test
    void anEmptyOrBlankLogSaysSoInsteadOfNothing() throws Exception {
        Path log = dir.resolve("i0.log");
        Files.writeString(log, "");
        assertThat(LocalPlatform.logTail(instance(log), 10)).contains("wrote nothing to its log", log.toString());
        Files.writeString(log, "\n\n  \n");
        assertThat(LocalPlatform.logTail(instance(log), 10)).contains("wrote nothing to its log");
        assertThat(LocalPlatform.logTail(instance(dir.resolve("missing.log")), 10)).contains("no log at");
    }
}
