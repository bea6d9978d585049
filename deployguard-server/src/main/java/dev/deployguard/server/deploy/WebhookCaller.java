package dev.deployguard.server.deploy;

import dev.deployguard.json.Json;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.WebhookSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Calls Flagger-style webhooks: POST the rollout's context as JSON; 2xx passes; retried, each try bounded. */
public final class WebhookCaller {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    public Observation call(WebhookSpec hook, Map<String, Object> context) {
        Map<String, Object> body = new LinkedHashMap<>(context);
        body.put("type", hook.type());
        body.put("webhook", hook.name());
        String last = "not called";
        for (int attempt = 0; attempt <= hook.retries(); attempt++) {
            try {
                var req = HttpRequest.newBuilder(URI.create(hook.url())).timeout(hook.timeout())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body))).build();
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                String text = resp.body().length() > 200 ? resp.body().substring(0, 200) + "..." : resp.body();
                if (resp.statusCode() / 100 == 2) {
                    return Observation.webhook(true, "HTTP " + resp.statusCode() + " after " + (attempt + 1)
                            + " attempt(s)");
                }
                last = "HTTP " + resp.statusCode() + (text.isBlank() ? "" : ": " + text.strip());
            } catch (HttpTimeoutException e) {
                last = "timed out after " + hook.timeout().toMillis() + " ms";
            } catch (IOException e) {
                last = "unreachable (" + e.getClass().getSimpleName() + (e.getMessage() == null ? ""
                        : ": " + e.getMessage()) + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Observation.webhook(false, "interrupted");
            }
        }
        return Observation.webhook(false, last + " (" + (hook.retries() + 1) + " attempt(s))");
    }
}
