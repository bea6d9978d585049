package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** {@link RenderedChart}: template output split into manifest and hook records as helm's SortManifests splits it. */
class RenderedChartTest {
    @Test
    void hookDocumentsBecomeHookRecordsAndTheRestStaysTheManifestVerbatim() throws Exception {
        String cm = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
        String hook = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n"
                + "    helm.sh/hook: pre-upgrade, bogus ,POST-ROLLBACK\n    helm.sh/hook-weight: \"-3\"\n"
                + "    helm.sh/hook-delete-policy: hook-succeeded,never\n";

        RenderedChart r = RenderedChart.split(cm + "---\n# Source: c/templates/job.yaml\n" + hook + "\n",
                new KubernetesSerialization());

        assertThat(r.manifest()).isEqualTo(cm);
        assertThat(r.hooks()).hasSize(1);
        assertThat(r.hooks().get(0)).isEqualTo(new ObjectMapper().readTree("""
                {"name":"j","kind":"Job","path":"c/templates/job.yaml","manifest":%s,
                 "events":["pre-upgrade","post-rollback"],
                 "last_run":{"started_at":"","completed_at":"","phase":""},"weight":-3,
                 "delete_policies":["hook-succeeded"]}""".formatted(new ObjectMapper().writeValueAsString(hook))));
        assertThat(r.has("post-rollback")).isTrue();
        assertThat(r.has("pre-install")).isFalse();
    }
}
