package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blue/green of a Kubernetes app through the real CLI and a real control plane process: {@code status} shows which
 * slot the Service and the preview Service select and what each slot runs, {@code history} which revision each slot
 * holds, and with the cluster gone {@code status} still prints what the store knows and exits 5.
 */
class KubernetesBlueGreenIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesCliFixture kube = new KubernetesCliFixture();
    private final ClusterFixture cluster = kube.cluster();
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        h = kube.startBlueGreen(dir, "1h");
    }

    @Test
    void statusAndHistoryShowTheSlotsAndAnUnreachableClusterExitsFive() throws Exception {
        assertThat(h.ok("status", "web").out()).contains("revision 1 (v1) DEPLOYED",
                "Service shop/web, which selects no slot yet: deployment shop/web serves", "3/3 available");

        // The control plane prepares slot green on its ticks; deploy follows it and says what it always said.
        assertThat(h.ok("deploy", "web", "--version", "v2", "--skip-checks").out()).contains("blue/green rollout of"
                + " v2 (shop/web:v2) in slot green, previewed on Service web-preview; users stay on slot blue, waiting"
                + " for ").doesNotContain("preparing");

        String preview = h.ok("status", "web").out();
        assertThat(preview).contains("revision 1 (v1) DEPLOYED",
                "Service shop/web -> slot blue (active), Service shop/web-preview -> slot green (preview)",
                "SLOT", "ROLE", "READY", "rollout");
        assertThat(rows(preview, "blue", "green")).containsExactly(
                List.of("blue", "web-blue", "active", "1", "v1", "3/3", "3", "3", "shop/web:v1", "selected", "by",
                        "web"),
                List.of("green", "web-green", "preview", "2", "v2", "3/3", "3", "3", "shop/web:v2", "selected", "by",
                        "web-preview"));
        assertThat(preview).doesNotContain("INSTANCE");
        String history = h.ok("history", "web").out();
        assertThat(history).contains("SLOT");
        assertThat(rows(history, "1", "2")).extracting(r -> String.join(" ", r.subList(0, 5)))
                .containsExactly("1 v1 DEPLOYED blue (active)", "2 v2 PROGRESSING green (preview)");

        h.ok("promote", "web");

        JsonNode k = h.ok("status", "web", "-o", "json").json().path("kubernetes");
        assertThat(k.path("activeSlot").asText()).isEqualTo("green");
        assertThat(k.path("previewSlot").asText()).isEqualTo("green");
        JsonNode blue = k.path("slots").get(0);
        assertThat(blue.path("slot").asText()).isEqualTo("blue");
        assertThat(blue.path("role").asText()).isEqualTo("warm");
        assertThat(blue.path("replicas").asInt()).isEqualTo(3);
        assertThat(blue.path("scaleDownAt").isTextual()).as("the old slot waits for scaleDownDelay").isTrue();
        String promoted = h.ok("status", "web").out();
        assertThat(promoted).contains("revision 2 (v2) DEPLOYED");
        assertThat(rows(promoted, "blue").get(0)).containsSequence("warm", "1", "v1", "3/3").contains("scale-down");
        assertThat(rows(h.ok("history", "web").out(), "1", "2")).extracting(r -> String.join(" ", r.subList(0, 5)))
                .containsExactly("1 v1 SUPERSEDED blue (warm)", "2 v2 DEPLOYED green (active)");

        cluster.stop();
        Harness.Run unreachable = h.cli("status", "web");

        assertThat(unreachable.exit()).isEqualTo(5);
        assertThat(unreachable.out()).contains("revision 2 DEPLOYED according to the store (the cluster was not read)",
                "the cluster is unreachable", "rollout");
        assertThat(unreachable.out() + unreachable.err()).doesNotContain("Exception", "\tat ");
        Harness.Run json = h.cli("status", "web", "-o", "json");
        assertThat(json.exit()).isEqualTo(5);
        assertThat(json.json().path("kubernetes").path("reachable").asBoolean(true)).isFalse();
        assertThat(json.json().path("rollout").path("phase").asText()).isEqualTo("BAKING");
    }

    @Test
    void rollbackAfterTheRolloutEndedSwitchesTheServiceBackToTheRestartedPreviousSlot() throws Exception {
        h.ok("deploy", "web", "--version", "v2", "--skip-checks");
        h.ok("promote", "web");
        h.ok("promote", "web", "--full"); // ends the bake now: slot blue is scaled to 0, no rollout runs

        Harness.Run back = h.ok("rollback", "web");

        assertThat(back.out()).contains("rolled back web to v1 (revision 3, a copy of revision 1)",
                "selects slot blue");
        JsonNode k = h.ok("status", "web", "-o", "json").json().path("kubernetes");
        assertThat(k.path("activeSlot").asText()).isEqualTo("blue");
        assertThat(rows(h.ok("history", "web").out(), "1", "2", "3")).extracting(r -> String.join(" ",
                r.subList(0, 3))).containsExactly("1 v1 SUPERSEDED", "2 v2 ROLLED_BACK", "3 v1 DEPLOYED");

        Harness.Run unknown = h.cli("rollback", "web", "--to-revision", "9");
        assertThat(unknown.exit()).isEqualTo(6);
        assertThat(unknown.out() + unknown.err()).contains("no revision 9");
    }

    /** The whitespace-separated cells of the table rows whose first cell is one of {@code first}. */
    private static List<List<String>> rows(String out, String... first) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : out.lines().toList()) {
            List<String> cells = List.of(line.trim().split("\\s+"));
            if (List.of(first).contains(cells.get(0))) {
                rows.add(cells);
            }
        }
        return rows;
    }
}
