package dev.deployguard.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Waiting;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON of a {@code rollouts.state_json} row. Rows written before {@link Waiting} existed carry a free-text
 * {@code waitingFor}; they are mapped on read ({@link Waiting#fromLegacy}) so a control plane upgraded in the
 * middle of a rollout resumes it. Rows are rewritten in the new form on the rollout's next change.
 */
final class RolloutRows {
    private RolloutRows() {
    }

    static Rollout read(ObjectMapper json, String text) {
        try {
            JsonNode tree = json.readTree(text);
            if (tree instanceof ObjectNode node && node.has("waitingFor")) {
                JsonNode legacy = node.remove("waitingFor");
                if (!node.has("waiting") && legacy.isTextual()) {
                    // Written through the interface so the JSON names the case, as a new row does.
                    node.set("waiting", json.readTree(json.writerFor(Waiting.class)
                            .writeValueAsString(Waiting.fromLegacy(legacy.asText()))));
                }
            }
            return json.treeToValue(tree, Rollout.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
