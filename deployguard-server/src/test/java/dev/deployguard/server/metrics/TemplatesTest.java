package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TemplatesTest {

    @Test
    void theWindowIsMeasuredBetweenItsEdgesAsPrometheusReadsThem() {
        Instant start = Instant.ofEpochMilli(1_700_000_001_000L).plusNanos(900_000);
        Instant end = Instant.ofEpochMilli(1_700_000_006_000L).plusNanos(200_000);

        // 4999.3 ms apart, but Prometheus reads 1700000001.000 and 1700000006.000: 5 s between them
        assertThat(Templates.expand("x[{{window}}] {{start}} {{end}}", start, end))
                .isEqualTo("x[5s] 1700000001 1700000006");
    }

    @Test
    void consecutiveWindowsMeetExactlyWhereTheyAreEvaluated() {
        Instant a = Instant.ofEpochMilli(1_700_000_000_000L).plusNanos(999_999);
        Instant b = a.plusNanos(1_250_400_000L);
        Instant c = b.plusNanos(2_000_700_000L);

        long previousEnd = b.toEpochMilli();
        long nextStart = c.toEpochMilli() - Templates.window(b, c).toMillis();
        assertThat(nextStart).isEqualTo(previousEnd);
        assertThat(Templates.expand("{{window}}", a, b)).isEqualTo("1251ms");
    }
}
