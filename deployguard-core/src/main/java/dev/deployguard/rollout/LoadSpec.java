package dev.deployguard.rollout;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Built-in load for quiet apps (an analysis' {@code load:} option): synthetic GET requests at {@code rate} per
 * second to {@code path}, sent through the router to both tracks (the canary Service on Kubernetes), marked with
 * {@code X-DeployGuard-Synthetic: 1} so stats and reports tell them from user traffic; they stop after
 * {@code duration} or when the step ends or the rollout is aborted, whichever comes first.
 *
 * @param rate requests per second (more than 0, at most 1,000)
 * @param path the request path, starting with {@code /}
 * @param duration the longest the load runs
 * @param headers extra request headers
 */
public record LoadSpec(double rate, String path, Duration duration, Map<String, String> headers) {
    public LoadSpec {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(duration, "duration");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (!(rate > 0 && rate <= 1_000) || !path.startsWith("/") || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("need 0 < rate <= 1000, a path starting with / and a positive duration");
        }
    }
}
