package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;

/**
 * Follows an app's events on stderr while a long command runs, so a person sees each step as it happens.
 * Quiet when the output is JSON (scripts read stdout only anyway).
 */
final class Progress {
    private final Thread thread;
    private volatile boolean running = true;

    Progress(ApiClient api, String app, boolean quiet) {
        long start;
        try {
            JsonNode last = api.get("/api/apps/" + ApiClient.enc(app) + "/events?limit=10000");
            JsonNode events = last.path("events");
            start = events.size() == 0 ? 0 : events.get(events.size() - 1).path("id").asLong();
        } catch (DeployGuardException e) {
            start = Long.MAX_VALUE;
        }
        final long from = start;
        thread = new Thread(() -> follow(api, app, from, quiet), "progress");
        thread.setDaemon(true);
        if (!quiet && from != Long.MAX_VALUE) {
            thread.start();
        }
    }

    private void follow(ApiClient api, String app, long from, boolean quiet) {
        long after = from;
        while (running) {
            try {
                for (JsonNode e : api.get("/api/apps/" + ApiClient.enc(app) + "/events?after=" + after)
                        .path("events")) {
                    after = e.path("id").asLong();
                    System.err.println("  " + Output.when(e.path("at")) + "  " + e.path("kind").asText() + "  "
                            + e.path("message").asText().lines().findFirst().orElse(""));
                }
                Thread.sleep(200);
            } catch (DeployGuardException e) {
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void close() {
        running = false;
        thread.interrupt();
    }
}
