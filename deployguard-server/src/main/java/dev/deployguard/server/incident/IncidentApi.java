package dev.deployguard.server.incident;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.incident.Incident;
import dev.deployguard.server.request.JsonBody;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The incident part of the HTTP API: {@code GET|POST /api/incidents}, {@code GET /api/incidents/ID},
 * {@code POST /api/incidents/ID/notes}, {@code POST /api/incidents/ID/close}, {@code GET /api/incidents/ID/report}
 * (Markdown). Answers are JSON maps, or the report's text.
 */
public final class IncidentApi {
    private static final Pattern ONE = Pattern.compile("/api/incidents/([^/]+)(/[a-z]+)?");

    private final Incidents incidents;

    public IncidentApi(Incidents incidents) {
        this.incidents = incidents;
    }

    /** True for the paths this API serves. */
    public static boolean serves(String path) {
        return path.equals("/api/incidents") || path.startsWith("/api/incidents/");
    }

    /**
     * @param body the request's JSON object for POST (never null then), else null
     * @param app the {@code app} query parameter, or null
     */
    public Object route(String method, String path, String app, JsonBody body, String actor) {
        if (path.equals("/api/incidents")) {
            return switch (method) {
                case "GET" -> Map.of("incidents", incidents.list(app));
                case "POST" -> {
                    body.allowOnly("app", "title", "severity");
                    yield incidents.open(body.requiredString("app", "\"web\""), body.string("title"),
                            body.string("severity"), actor);
                }
                default -> throw notFound(method, path);
            };
        }
        Matcher m = ONE.matcher(path);
        if (!m.matches()) {
            throw notFound(method, path);
        }
        long id = id(m.group(1));
        String action = m.group(2) == null ? "" : m.group(2);
        return switch (method + " " + action) {
            case "GET " -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("incident", incidents.get(id));
                out.put("notes", incidents.notes(id));
                yield out;
            }
            case "POST /notes" -> {
                incidents.note(id, body.allowOnly("text").string("text"), actor);
                yield Map.of("incident", incidents.get(id), "message", "note added to incident " + id);
            }
            case "POST /close" -> {
                Incident closed = incidents.close(id, body.allowOnly("resolution").string("resolution"), actor);
                yield Map.of("incident", closed, "message", "incident " + id + " closed after "
                        + Incidents.human(closed.duration(closed.closedAt())));
            }
            case "GET /report" -> incidents.report(id);
            default -> throw notFound(method, path);
        };
    }

    private static long id(String text) {
        try {
            long id = Long.parseLong(text);
            if (id < 1) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput("incident id must be a positive number, got '" + text
                    + "' (see: deployguard incident list)");
        }
    }

    private static DeployGuardException notFound(String method, String path) {
        return DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
    }
}
