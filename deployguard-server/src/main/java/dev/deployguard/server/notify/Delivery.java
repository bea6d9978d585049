package dev.deployguard.server.notify;

import dev.deployguard.json.Json;
import dev.deployguard.notify.Notification;
import dev.deployguard.spec.NotificationsSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Delivers one notification to one target: POST with a bounded time per attempt, retried with doubling backoff.
 * Runs on a notifier thread, never on the caller's. What it reports back names the target without its secret
 * parts (path, query, token).
 */
final class Delivery {
    private final HttpClient http;

    Delivery(HttpClient http) {
        this.http = http;
    }

    /** The outcome of all attempts. */
    record Outcome(boolean delivered, int attempts, String detail) {
    }

    Outcome deliver(NotificationsSpec.Target target, NotificationsSpec spec, Notification n) {
        String url = target.resolveUrl();
        if (url == null || url.isBlank()) {
            return new Outcome(false, 0, "environment variable " + target.urlEnv() + " (the target's address) is not"
                    + " set in the control plane's environment");
        }
        String token = target.tokenEnv() == null ? null : System.getenv(target.tokenEnv());
        if (target.tokenEnv() != null && token == null) {
            return new Outcome(false, 0, "environment variable " + target.tokenEnv() + " (the target's token) is not"
                    + " set in the control plane's environment");
        }
        byte[] body;
        HttpRequest.Builder req;
        try {
            body = Json.mapper().writeValueAsBytes(payload(target.type(), n));
            req = HttpRequest.newBuilder(URI.create(url)).timeout(spec.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        } catch (IOException | IllegalArgumentException e) {
            return new Outcome(false, 0, "cannot build the request: " + e.getClass().getSimpleName());
        }
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        String last = "not sent";
        Duration wait = spec.backoff();
        for (int attempt = 1; attempt <= spec.retries() + 1; attempt++) {
            try {
                HttpResponse<Void> r = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return new Outcome(true, attempt, "HTTP " + r.statusCode());
                }
                last = "HTTP " + r.statusCode();
            } catch (HttpTimeoutException e) {
                last = "no answer within " + spec.timeout().toMillis() + " ms";
            } catch (IOException e) {
                // The exception's text may quote the address; only its type is safe to record.
                last = "unreachable (" + e.getClass().getSimpleName() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(false, attempt, "interrupted (control plane stopping)");
            }
            if (attempt <= spec.retries()) {
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Outcome(false, attempt, last + "; interrupted (control plane stopping)");
                }
                wait = wait.multipliedBy(2);
            }
        }
        return new Outcome(false, spec.retries() + 1, last);
    }

    /** A webhook gets the event as JSON; Slack (and compatible chat tools) get an incoming-webhook text. */
    static Map<String, Object> payload(String type, Notification n) {
        if ("slack".equals(type)) {
            return Map.of("text", "[" + (n.app() == null ? "deployguard" : n.app()) + "] " + n.text());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("app", n.app());
        m.put("topic", n.topic());
        m.put("kind", n.kind());
        m.put("at", n.at().toString());
        m.put("actor", n.actor());
        m.put("revision", n.revision());
        m.put("text", n.text());
        m.put("data", n.data());
        return m;
    }

    /** The target as it may be shown: type and origin only (Slack puts its secret in the path). */
    static String describe(NotificationsSpec.Target t) {
        String where;
        if (t.url() == null) {
            where = "$" + t.urlEnv();
        } else {
            try {
                URI u = URI.create(t.url());
                where = u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
            } catch (IllegalArgumentException e) {
                where = "(unparseable url)";
            }
        }
        return t.type() + " " + where;
    }
}
