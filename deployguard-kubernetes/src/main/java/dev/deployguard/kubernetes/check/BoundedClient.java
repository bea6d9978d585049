package dev.deployguard.kubernetes.check;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import java.time.Duration;

/**
 * The app's client, for one check run: every request bounded by the check's timeout and not retried, since a check
 * has a deadline and a retried request would only report "cannot tell" later. It shares the app client's connection
 * pool, so it is not closed.
 */
final class BoundedClient {
    private BoundedClient() {
    }

    static KubernetesClient of(KubernetesClient client, Duration timeout) {
        var config = new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                .withRequestTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
                .withRequestRetryBackoffLimit(0)
                .build();
        return client.newClient(config).adapt(KubernetesClient.class);
    }
}
