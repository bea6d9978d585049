package dev.deployguard.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a rollout waits for: sentences for people, JSON that round-trips, and the old stored strings mapped. */
class WaitingTest {
    static final List<Waiting> ALL = List.of(new Waiting.TimedPause(Duration.ofSeconds(30)),
            new Waiting.Analysis(false, Duration.ofSeconds(30)), new Waiting.Analysis(true, Duration.ofSeconds(30)),
            new Waiting.Webhook("smoke", "acceptance"), new Waiting.Retry("approve", "confirm-promotion", 2, true),
            new Waiting.Promotion("pause step"),
            new Waiting.Resume("alice"), new Waiting.Bake(Duration.ofMinutes(1)),
            new Waiting.Ending(Rollout.Phase.ROLLED_BACK), new Waiting.Ending(Rollout.Phase.SUCCEEDED));

    @Test
    void everyWaitingReadsAsASentenceWithoutTheOldProtocolWords() {
        for (Waiting w : ALL) {
            assertThat(w.text()).as(w.toString()).doesNotContain("pending", "ROLLED_BACK", "SUCCEEDED", "null")
                    .doesNotStartWith("promote (").doesNotStartWith("resume (");
        }
        assertThat(new Waiting.Ending(Rollout.Phase.ROLLED_BACK).text()).isEqualTo("the rollback to complete"
                + " (traffic back on the stable release, the canary being stopped)");
        assertThat(new Waiting.Webhook("smoke", "acceptance").text()).isEqualTo("the answer of webhook smoke"
                + " (acceptance)");
    }

    @Test
    void aRolloutRoundTripsThroughJsonWithItsWaitingAndKind() throws Exception {
        for (Waiting w : ALL) {
            Rollout r = Rollout.start(7, "web", RolloutKind.BLUE_GREEN, 1, 2, Instant.parse("2026-12-07T00:00:00Z"))
                    .toBuilder().waiting(w).build();
            String json = Json.mapper().writeValueAsString(r);
            JsonNode tree = Json.mapper().readTree(json);
            assertThat(tree.path("kind").asText()).isEqualTo("blueGreen");
            assertThat(tree.path("waiting").path("text").asText()).isEqualTo(w.text());
            assertThat(Json.mapper().readValue(json, Rollout.class)).isEqualTo(r);
        }
    }

    @Test
    void theStringsEarlierVersionsStoredMapToTypes() {
        assertThat(Waiting.fromLegacy("pending ROLLED_BACK")).isEqualTo(new Waiting.Ending(Rollout.Phase.ROLLED_BACK));
        assertThat(Waiting.fromLegacy("pending SUCCEEDED")).isEqualTo(new Waiting.Ending(Rollout.Phase.SUCCEEDED));
        assertThat(Waiting.fromLegacy("webhook smoke")).isEqualTo(new Waiting.Webhook("smoke", null));
        assertThat(Waiting.fromLegacy("promote (pause step)")).isEqualTo(new Waiting.Promotion("pause step"));
        assertThat(Waiting.fromLegacy("promote (analysis inconclusive after 5m (INCONCLUSIVE: 3); promote or abort)"))
                .isEqualTo(new Waiting.Promotion("analysis inconclusive after 5m (INCONCLUSIVE: 3); promote or abort"));
        assertThat(Waiting.fromLegacy("resume (paused by alice)")).isEqualTo(new Waiting.Resume("alice"));
        assertThat(Waiting.fromLegacy("pause of 30s")).isEqualTo(new Waiting.TimedPause(Duration.ofSeconds(30)));
        assertThat(Waiting.fromLegacy("bake of 1m")).isEqualTo(new Waiting.Bake(Duration.ofMinutes(1)));
        assertThat(Waiting.fromLegacy("analysis (collecting evidence)")).isInstanceOf(Waiting.Analysis.class);
        assertThat(Waiting.fromLegacy("analysis (passing, minimum 30s)"))
                .isEqualTo(new Waiting.Analysis(true, Duration.ofSeconds(30)));
        assertThat(Waiting.fromLegacy("something new")).isEqualTo(new Waiting.Unknown("something new"));
        assertThat(Waiting.fromLegacy(null)).isNull();
    }
}
