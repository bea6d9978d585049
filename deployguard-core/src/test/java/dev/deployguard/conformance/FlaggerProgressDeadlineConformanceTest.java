package dev.deployguard.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.SpecException;
import dev.deployguard.spec.SpecParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flagger conformance: {@code progressDeadlineSeconds}, how long the canary workload may take to become ready before
 * the rollout is rolled back. Each case names the file of fluxcd/flagger at {@link #COMMIT} it is derived from. The
 * deadline a Kubernetes rollout prepares under is the strategy's {@code progressDeadlineSeconds}, else the platform's
 * {@code rolloutTimeout} (10 minutes unless set, Flagger's 600 s); {@code --timeout} on a deploy wins over both
 * (KubernetesProgressDeadlineTest in deployguard-server runs the rollback at that deadline).
 */
class FlaggerProgressDeadlineConformanceTest {
    static final String REPOSITORY = "fluxcd/flagger";
    static final String COMMIT = "215c859619ec0dcda339b8ff2290039d158ad722";

    /** file | case | strategy | platform.kubernetes.rolloutTimeout ('' = unset) | deadline in seconds. */
    private static final List<String> DEADLINES = List.of(
            "pkg/apis/flagger/v1beta1/canary.go | GetProgressDeadlineSeconds: unset is 600 s | canary: {steps: [{setWeight: 20}]} |  | 600",
            "pkg/apis/flagger/v1beta1/canary.go | GetProgressDeadlineSeconds: a set value is used | canary: {steps: [{setWeight: 20}], progressDeadlineSeconds: 60} |  | 60",
            "pkg/apis/flagger/v1beta1/canary.go | the Flagger shorthand reads it | canary: {interval: 1m, stepWeight: 10, maxWeight: 50, progressDeadlineSeconds: 120} |  | 120",
            "pkg/apis/flagger/v1beta1/canary.go | the canary's deadline wins over the platform's rolloutTimeout | canary: {interval: 1m, progressDeadlineSeconds: 90} | 20s | 90",
            "pkg/apis/flagger/v1beta1/canary.go | unset: the platform's rolloutTimeout | canary: {interval: 1m} | 20s | 20",
            "pkg/apis/flagger/v1beta1/canary.go | blue/green (one Canary field for every strategy) | blueGreen: {iterations: 3, progressDeadlineSeconds: 300} |  | 300",
            "pkg/apis/flagger/v1beta1/canary.go | ProgressDeadlineSeconds is an int32: its largest value | canary: {interval: 1m, progressDeadlineSeconds: 2147483647} |  | 2147483647",
            "pkg/canary/deployment_ready.go | isDeploymentReady: the deadline is whole seconds (time.Duration(deadline) * time.Second) | canary: {interval: 1m, progressDeadlineSeconds: 1} |  | 1");

    /** file | case | strategy | the spec error. */
    private static final List<String> REFUSED = List.of(
            "pkg/apis/flagger/v1beta1/canary.go | int32: past its largest value | canary: {interval: 1m, progressDeadlineSeconds: 2147483648} | strategy.canary.progressDeadlineSeconds: expected a whole number of seconds above 0 (at most 2147483647)",
            "pkg/apis/flagger/v1beta1/canary.go | int32: not a fraction | canary: {interval: 1m, progressDeadlineSeconds: 1.5} | strategy.canary.progressDeadlineSeconds: expected a whole number of seconds above 0",
            "pkg/apis/flagger/v1beta1/canary.go | a number of seconds, not a duration | blueGreen: {progressDeadlineSeconds: 10m} | strategy.blueGreen.progressDeadlineSeconds: expected a whole number of seconds above 0",
            "pkg/canary/deployment_ready.go | 0 s would roll back every canary before its first readiness check | canary: {interval: 1m, progressDeadlineSeconds: 0} | strategy.canary.progressDeadlineSeconds: expected a whole number of seconds above 0");

    static Stream<String> deadlines() {
        return DEADLINES.stream();
    }

    static Stream<String> refused() {
        return REFUSED.stream();
    }

    private static AppSpec app(String strategy, String rolloutTimeout) {
        String platform = "{namespace: shop, service: web, traffic: {ingressNginx: {ingress: web}}"
                + (rolloutTimeout.isBlank() ? "" : ", rolloutTimeout: " + rolloutTimeout) + "}";
        return new SpecParser().parse("apps:\n  web:\n    platform: {kubernetes: " + platform + "}\n"
                + "    strategy: {" + strategy + "}\n", "t.yaml", Path.of("/")).app("web").orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deadlines")
    void theRolloutPreparesUnderFlaggersDeadline(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        AppSpec app = app(f[2], f[3]);

        Duration deadline = app.strategy().progressDeadline().orElse(app.kubernetes().rolloutTimeout());

        assertThat(deadline).as("%s@%s %s: %s", REPOSITORY, COMMIT, f[0], f[1])
                .isEqualTo(Duration.ofSeconds(Long.parseLong(f[4])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void valuesFlaggerCouldNotHoldAreSpecErrors(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);

        assertThatThrownBy(() -> app(f[2], "")).as("%s@%s %s: %s", REPOSITORY, COMMIT, f[0], f[1])
                .isInstanceOf(SpecException.class).hasMessageContaining(f[3]);
    }
}
