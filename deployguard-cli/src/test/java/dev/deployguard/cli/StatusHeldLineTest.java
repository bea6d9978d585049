package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The {@code held:} line of {@code status}: a running rollout held while its canary is not ready (API's JSON). */
class StatusHeldLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String render(String held) throws Exception {
        return StatusCommand.render(JSON.readTree("""
                {"app": "web", "serving": null, "instances": [], "held": %s, "rollout": {"id": 3, "kind": "CANARY",
                 "canaryRevision": 4, "stableRevision": 3, "phase": "PROGRESSING", "stepIndex": 1, "weight": 2000,
                 "waiting": {"text": "the 1m pause to end"}, "lastVerdict": null, "outcome": null}}
                """.formatted(held)));
    }

    @Test
    void aHeldRolloutSaysWhatItWaitsFor() throws Exception {
        String out = render("\"the canary deployment of shop/web to be ready again (0 of 1 available)\"");

        assertThat(out).contains("  rollout 3 (CANARY): revision 4 vs stable 3, PROGRESSING, step 2, canary weight"
                + " 20.0%, waiting for the 1m pause to end\n    held: waiting for the canary deployment of shop/web to"
                + " be ready again (0 of 1 available)\n");
    }

    @Test
    void noHoldNoLine() throws Exception {
        assertThat(render("null")).doesNotContain("held:");
    }
}
