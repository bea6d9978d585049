package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a standby that takes over serves with: the token file as it is at the takeover, not at its start. */
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

        assertThat(RouterStandby.tokenToServe(file, "at-start", out)).isEqualTo("at-start");
    }
}
