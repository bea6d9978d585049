package dev.deployguard.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The JSON API's read answers, computed by the API itself: the dashboard shows exactly what {@code GET /api/...}
 * answers, so a page can never disagree with the CLI.
 */
@FunctionalInterface
public interface ApiReads {
    /**
     * @param path an API path such as {@code /api/apps/demo/history}
     * @param query its query parameters
     * @throws dev.deployguard.error.DeployGuardException as the API would answer it (unknown app: not found)
     */
    JsonNode get(String path, Map<String, String> query);
}
