package dev.deployguard.server.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObservedStateTest {
    private static ObservedState state(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new ObservedState(m);
    }

    @Test
    void equalStatesHaveNoDifference() {
        var a = state("release.version", "v1", "instances.ready", "2/2");
        assertThat(a.differencesTo(state("release.version", "v1", "instances.ready", "2/2"))).isEmpty();
    }

    @Test
    void everyDifferingFieldIsNamedInOrderWithBothValues() {
        var before = state("release.version", "v1", "instances.ready", "2/2", "probe GET / status", "200");
        var after = state("release.version", "v1", "instances.ready", "1/2", "probe GET / status", "503",
                "extra", "x");
        assertThat(before.differencesTo(after)).containsExactly(
                new ObservedState.Difference("instances.ready", "2/2", "1/2"),
                new ObservedState.Difference("probe GET / status", "200", "503"),
                new ObservedState.Difference("extra", "(absent)", "x"));
        assertThat(after.differencesTo(state("release.version", "v1"))).extracting(ObservedState.Difference::after)
                .containsExactly("(absent)", "(absent)", "(absent)");
    }
}
