package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
    private static final long START = Instant.parse("2026-12-07T10:00:00.123Z").toEpochMilli();

    @Test
    void aLineIsTheCombinedLogFormatThenTrackAndLatency() {
        String line = AccessLog.format(new AccessLog.Entry("10.0.0.7", START, "GET", "/a?b=1", "HTTP/2.0", 200, 12,
                "https://example.test/", "curl/7.88.1", "stable", 812));

        assertThat(line).isEqualTo("10.0.0.7 - - [07/Dec/2026:10:00:00 +0000] \"GET /a?b=1 HTTP/2.0\" 200 12"
                + " \"https://example.test/\" \"curl/7.88.1\" track=stable latency_ms=0.812\n");
    }

    @Test
    void missingValuesAreDashesAndLatencyKeepsThreeDecimals() {
        String line = AccessLog.format(new AccessLog.Entry(null, START, "HEAD", "/", "HTTP/1.1", 503, 0, null, null,
                null, 12_005_007));

        assertThat(line).isEqualTo("- - - [07/Dec/2026:10:00:00 +0000] \"HEAD / HTTP/1.1\" 503 - \"-\" \"-\""
                + " track=- latency_ms=12005.007\n");
    }

    @Test
    void quotesBackslashesControlAndNonAsciiBytesAreEscapedSoOneLineIsOneRequest() {
        // Netty hands header bytes over one char per byte (ISO-8859-1): a UTF-8 'é' arrives as U+00C3 U+00A9.
        String line = AccessLog.format(new AccessLog.Entry("127.0.0.1", START, "GET", "/x", "HTTP/1.1", 200, 1,
                "a\"b\\c", "evil\nline \u00c3\u00a9", "canary", 1_000));

        assertThat(line).contains("\"a\\x22b\\x5Cc\"").contains("\"evil\\x0Aline \\xC3\\xA9\"")
                .contains("latency_ms=1.000");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    }

    @Test
    void linesReachTheFileInOrderAndCloseWritesTheRest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/access.log");
        AccessLog log = new AccessLog(file);
        for (int i = 0; i < 500; i++) {
            log.log(new AccessLog.Entry("127.0.0.1", START, "GET", "/" + i, "HTTP/1.1", 200, i, null, "t", "stable",
                    i));
        }
        log.close();

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(500);
        assertThat(lines.get(0)).contains("\"GET /0 HTTP/1.1\" 200 -");
        assertThat(lines.get(499)).contains("\"GET /499 HTTP/1.1\" 200 499");
        assertThat(log.dropped()).isZero();
    }
}
