package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Waiting;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Rollout rows as the previous version wrote them (free-text {@code waitingFor}) still load, mapped to types. */
class RolloutRowsTest {
    final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    static String oldRow(String kind, String waitingFor) {
        return "{\"id\":3,\"app\":\"web\",\"kind\":\"" + kind + "\",\"stableRevision\":1,\"canaryRevision\":2,"
                + "\"phase\":\"PAUSED\",\"stepIndex\":1,\"weight\":500,\"startedAt\":1796601600.000000000,"
                + "\"stepStartedAt\":1796601630.000000000,\"waitingFor\":" + waitingFor + ","
                + "\"lastVerdict\":\"INCONCLUSIVE: 3 requests\",\"outcome\":null}";
    }

    @Test
    void anOldRowWithAPendingEndingLoadsAsEnding() {
        Rollout r = RolloutRows.read(json, oldRow("canary", "\"pending ROLLED_BACK\""));
        assertThat(r.waiting()).isEqualTo(new Waiting.Ending(Rollout.Phase.ROLLED_BACK));
        assertThat(r.kind()).isEqualTo(RolloutKind.CANARY);
        assertThat(r.weight()).isEqualTo(500);
        assertThat(r.startedAt()).isEqualTo(Instant.ofEpochSecond(1796601600L));
    }

    @Test
    void oldRowsOfEveryShapeLoad() {
        assertThat(RolloutRows.read(json, oldRow("blueGreen", "\"promote (pause step)\"")))
                .satisfies(r -> assertThat(r.kind()).isEqualTo(RolloutKind.BLUE_GREEN))
                .extracting(Rollout::waiting).isEqualTo(new Waiting.Promotion("pause step"));
        assertThat(RolloutRows.read(json, oldRow("canary", "\"resume (paused by bob)\"")).waiting())
                .isEqualTo(new Waiting.Resume("bob"));
        assertThat(RolloutRows.read(json, oldRow("canary", "\"webhook smoke\"")).waiting())
                .isEqualTo(new Waiting.Webhook("smoke", null));
        assertThat(RolloutRows.read(json, oldRow("canary", "null")).waiting()).isNull();
    }

    @Test
    void aNewRowRoundTrips() throws Exception {
        Rollout r = Rollout.start(4, "web", RolloutKind.BLUE_GREEN, 1, 2, Instant.ofEpochSecond(1796601600L))
                .toBuilder().waiting(new Waiting.Ending(Rollout.Phase.SUCCEEDED)).build();
        assertThat(RolloutRows.read(json, json.writeValueAsString(r))).isEqualTo(r);
    }
}
