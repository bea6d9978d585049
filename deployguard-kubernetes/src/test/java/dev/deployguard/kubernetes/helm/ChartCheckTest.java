package dev.deployguard.kubernetes.helm;

import static dev.deployguard.kubernetes.helm.HelmUpgradeTest.CHARTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChartCheckTest {
    private static final CheckContext CONTEXT = new CheckContext(null, "1.0.0", Duration.ofSeconds(30),
            Clock.systemUTC(), null);

    private static CheckResult check(String chart, String... values) {
        List<Path> files = java.util.Arrays.stream(values).map(CHARTS::resolve).toList();
        return new ChartCheck(CHARTS.resolve(chart), files).run(CONTEXT);
    }

    @Test
    void goodChartWithValuesPasses() {
        CheckResult r = check("web", "web-v2.yaml");

        assertThat(r.name()).isEqualTo("chart");
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("helm lint: no errors. helm template with values ["
                + CHARTS.resolve("web-v2.yaml") + "] rendered 3 object(s) that match the Kubernetes schema.");
        assertThat(r.remedy()).isEmpty();
        assertThat(r.data()).containsEntry("objects", 3);
    }

    @Test
    void lintErrorFailsWithHelmsMessage() {
        CheckResult r = check("lint-error");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("helm lint found ").contains(
                "Chart.yaml: version 'notsemver' is not a valid SemVer");
        assertThat(r.remedy()).contains("helm lint");
    }

    @Test
    void templateSyntaxErrorFailsNamingFileAndLine() {
        CheckResult r = check("bad-template");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains(
                "bad-template/templates/configmap.yaml:6: parse error: unexpected \"}\" in operand");
    }

    @Test
    void missingRequiredValueFailsNamingFileLineAndValue() {
        CheckResult r = check("needs-value");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("helm template of chart " + CHARTS.resolve("needs-value") + " failed: "
                + "needs-value/templates/deployment.yaml:14:20: execution error: image.repository is required");
        assertThat(r.remedy()).contains("supply the missing value");
    }

    @Test
    void wrongTypeFromValuesFailsNamingObjectAndField() {
        CheckResult r = check("web", "web-replicas-three.yaml");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).contains("Deployment release (web/templates/deployment.yaml): spec.replicas: "
                + "\"three\" is not an integer");
    }

    @Test
    void unknownFieldAndMissingRequiredFieldsFail() {
        CheckResult r = check("bad-schema");

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("3 schema problem(s)").contains(
                "Deployment release (bad-schema/templates/deployment.yaml): unknown field "
                        + "spec.template.spec.containers[0].imagePullPolicyy (no such field in Container)",
                "Deployment release-worker (bad-schema/templates/worker.yaml): spec.selector does not match the "
                        + "template's labels (app=worker is missing from spec.template.metadata.labels)",
                "Deployment release-worker (bad-schema/templates/worker.yaml): "
                        + "spec.template.spec.containers[0].image is required");
        assertThat(r.data()).containsKey("schemaProblems");
    }

    @Test
    void lintWarningWarns() {
        CheckResult r = check("lint-warning");

        assertThat(r.status()).isEqualTo(CheckStatus.WARN);
        assertThat(r.evidence()).contains("1 warning(s): templates/: not a directory");
        assertThat(r.remedy()).isNotEmpty();
    }

    @Test
    void unreadableChartOrValuesIsCannotTell() {
        CheckResult missing = check("no-such-chart");
        CheckResult values = check("web", "no-such-values.yaml");

        assertThat(missing.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(missing.evidence()).isEqualTo("Chart directory " + CHARTS.resolve("no-such-chart")
                + " cannot be read (no such directory).");
        assertThat(missing.remedy()).isNotEmpty();
        assertThat(values.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(values.evidence()).contains("no-such-values.yaml").contains("cannot be read");
    }

    @Test
    void objectsTheApiServerRejectsInADryRunFail() {
        try (PlainMock mock = PlainMock.start()) {
            mock.server.expect().post().withPath("/api/v1/namespaces/apps/configmaps?dryRun=All")
                    .andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid").withMessage(
                            "ConfigMap \"release-config\" is invalid: denied by policy no-hello").build()).once();

            CheckResult r = new ChartCheck(CHARTS.resolve("web"), List.of(), mock.client, "apps").run(CONTEXT);

            assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(r.evidence()).isEqualTo("The API server rejected 1 object(s) in a server-side dry-run in "
                    + "namespace apps: ConfigMap apps/release-config: ConfigMap \"release-config\" is invalid: "
                    + "denied by policy no-hello");
        }
    }

    @Test
    void dryRunThatCannotReachTheClusterIsCannotTell() {
        try (PlainMock mock = PlainMock.start()) {
            mock.server.expect().post().withPath("/api/v1/namespaces/apps/configmaps?dryRun=All")
                    .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                            "configmaps is forbidden").build()).once();

            CheckResult r = new ChartCheck(CHARTS.resolve("web"), List.of(), mock.client, "apps").run(CONTEXT);

            assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
            assertThat(r.evidence()).contains("The server-side dry-run could not be done: forbidden: Kubernetes refused to create "
                    + "configmaps \"release-config\" in namespace apps");
        }
    }
}
