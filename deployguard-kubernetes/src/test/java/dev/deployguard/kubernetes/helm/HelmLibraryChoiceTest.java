package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HelmUpgrade#needsHelmLibrary}: which charts only Helm's own, cluster-aware upgrade gets right. */
class HelmLibraryChoiceTest {
    private static final Path CHARTS = Path.of("src/test/resources/charts");

    @Test
    void aChartWithHooksLookupAndCrdsNeedsHelmsLibraryAPlainOneWithOnlyTestHooksDoesNot() {
        assertThat(HelmUpgrade.needsHelmLibrary(CHARTS.resolve("hooked"))).isTrue();
        assertThat(HelmUpgrade.needsHelmLibrary(CHARTS.resolve("web"))).as("only a helm test hook").isFalse();
    }

    @Test
    void eachClusterAwareFeatureAloneIsEnough(@TempDir Path dir) throws Exception {
        String[] templates = {"x: {{ .Release.Revision }}", "x: {{ .Release.IsUpgrade }}",
            "x: {{ (lookup \"v1\" \"Secret\" \"ns\" \"s\").data }}",
            "metadata:\n  annotations:\n    helm.sh/hook: \"pre-upgrade\"\n"};
        for (int i = 0; i < templates.length; i++) {
            Path chart = Files.createDirectories(dir.resolve("c" + i).resolve("templates")).getParent();
            Files.writeString(chart.resolve("templates/t.yaml"), templates[i]);
            assertThat(HelmUpgrade.needsHelmLibrary(chart)).as(templates[i]).isTrue();
        }
        Path plain = Files.createDirectories(dir.resolve("plain").resolve("templates")).getParent();
        Files.writeString(plain.resolve("templates/t.yaml"), "x: {{ .Release.Name }} # lookups elsewhere\n");
        assertThat(HelmUpgrade.needsHelmLibrary(plain)).isFalse();
    }
}
