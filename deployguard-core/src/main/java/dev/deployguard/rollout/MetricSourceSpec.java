package dev.deployguard.rollout;

import java.time.Duration;

/**
 * Where an analysis reads its measurements when not from DeployGuard's own router: {@code prometheus} (PromQL
 * templates over the window, placeholders {@code {{window}}}, {@code {{start}}}, {@code {{end}}}) or {@code web}
 * (a JSON endpoint and one path per count, as Argo Rollouts' web provider).
 *
 * @param bearerTokenEnv name of an environment variable of the control plane holding a bearer token; the token
 *                       itself never appears in the spec, in events or in logs
 */
public record MetricSourceSpec(String kind, String url, String stableRequests, String stableErrors,
                               String canaryRequests, String canaryErrors, String bearerTokenEnv, Duration timeout) {
}
