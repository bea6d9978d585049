package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource efficiency end to end (issue 11 item 3): the demo app's v2 burns 4 times v1's CPU per request (8 ms
 * against 2 ms of busy work, {@code cpuMs}) with the same errors (none) and, at this low load, about the same latency.
 * Its canary is rolled back at the first step by the built-in {@code cpuPerRequest} metric, measured from {@code /proc}
 * and the router's request counts per track, with a verdict naming the ratio and its evidence; v3, as cheap as v1, is
 * promoted under the same metric. The request judge is the threshold judge (a 2-second check of the error rate), so
 * that at this low load every decision about the canary's cost is the metric's.
 */
class ResourceEfficiencyIT {
    static final String BEHAVIOUR = "v1:cpuMs=2;v2:cpuMs=8;v3:cpuMs=2";
    static final String STRATEGY = """
            strategy:
              canary:
                steps:
                  - setWeight: 25
                  - analysis:
                      metrics:
                        - name: cpu
                          relative: true
                          provider: {router: {measure: cpuPerRequest}}
                          failureCondition: result > 2.5
                          initialDelay: 20s
                          interval: 10s
                          count: 2
                  - setWeight: 50
                analysis: {judge: threshold, interval: 2s, minDuration: 3s, maxDuration: 120s, latency: false}
                bake: 2s
            """;

    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private JsonNode awaitRolloutDone() throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        try {
            Harness.await(Duration.ofSeconds(150), () -> {
                last[0] = h.ok("status", "demo", "-o", "json").json();
                String phase = last[0].path("rollout").path("phase").asText();
                return phase.equals("SUCCEEDED") || phase.equals("ROLLED_BACK");
            });
        } catch (AssertionError e) {
            throw new AssertionError("rollout not done: " + last[0], e);
        }
        return last[0];
    }

    @Test
    void aCanaryBurningFourTimesTheCpuPerRequestIsRolledBackAtTheFirstStepAndACheapOneIsPromoted() throws Exception {
        h = new Harness(dir, BEHAVIOUR, 1);
        h.writeSpec(BEHAVIOUR, 1, Harness.java(), "127.0.0.1:" + h.listen, STRATEGY);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        try (var traffic = new SteadyTraffic(h.app(), 4, 120).start()) {
            h.ok("deploy", "demo", "--version", "v2");
            JsonNode bad = awaitRolloutDone();
            JsonNode rollout = bad.path("rollout");
            assertThat(rollout.path("phase").asText()).isEqualTo("ROLLED_BACK");
            assertThat(rollout.path("weight").asInt()).isZero();
            String outcome = rollout.path("outcome").asText();
            assertThat(outcome).contains("metric cpu (cpuPerRequest) failed: canary / stable ratio",
                    "CPU s over", "bound: failureCondition 'result > 2.5'");
            // The evidence: each track's CPU seconds and requests over the same window (the metric's 10 s interval,
            // give or take the second between two readings).
            assertThat(outcome).containsPattern("canary [0-9.]+ \\([0-9.]+ CPU s over [0-9]+ requests in (9|10|11)"
                    + "(\\.[0-9]+)?s\\), stable [0-9.]+ \\([0-9.]+ CPU s over [0-9]+ requests in");
            Matcher ratio = Pattern.compile("canary / stable ratio ([0-9.]+)").matcher(outcome);
            assertThat(ratio.find()).isTrue();
            assertThat(Double.parseDouble(ratio.group(1))).as(outcome).isBetween(2.5, 8.0);
            // Rolled back at the first step: the canary never got more than 25%.
            assertThat(h.ok("events", "demo", "-o", "json").json().path("events").findValuesAsText("message"))
                    .noneMatch(m -> m.contains("canary weight 50"));
            JsonNode cpu = bad.path("metrics").get(0);
            assertThat(cpu.path("name").asText()).isEqualTo("cpu");
            assertThat(cpu.path("phase").asText()).isEqualTo("FAILED");
            String text = h.ok("status", "demo").out();
            assertThat(text).contains("metrics:", "cpu", "FAILED");

            h.ok("deploy", "demo", "--version", "v3");
            JsonNode good = awaitRolloutDone();
            assertThat(good.path("rollout").path("phase").asText()).as(good.toString()).isEqualTo("SUCCEEDED");
            JsonNode measured = good.path("metrics").get(0);
            assertThat(measured.path("phase").asText()).isEqualTo("SUCCESSFUL");
            assertThat(measured.path("measurements")).hasSize(2);
            for (JsonNode m : measured.path("measurements")) {
                assertThat(m.path("value").asDouble()).as(m.toString()).isLessThan(2.5);
            }
            traffic.stop();
            assertThat(traffic.answers()).containsKeys("hello from demo v1", "hello from demo v3");
        }
        assertThat(h.ok("history", "demo", "-o", "json").json().path("releases").findValuesAsText("status"))
                .containsExactly("SUPERSEDED", "ROLLED_BACK", "DEPLOYED");
    }
}
