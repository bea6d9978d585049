package dev.deployguard.local.router;

import java.util.Map;

/**
 * An admin API's answer: a status and a JSON body (errors are {@code {"error": "..."}}), with the {@code Allow}
 * header of a 405 and the {@code WWW-Authenticate} header of a 401. Every answer is sent with
 * {@code Content-Type: application/json} and {@code Cache-Control: no-store}.
 */
record AdminReply(int status, byte[] body, String allow, boolean challenge) {
    static final String CHALLENGE = "Bearer realm=\"deployguard-router\"";

    static AdminReply json(int status, Object value) {
        try {
            return new AdminReply(status, RouterCodec.json(value), null, false);
        } catch (IllegalArgumentException e) {
            // Only the router's own records are written; one that cannot be is a bug, told without a stack trace.
            return error(500, "could not write the answer as JSON: " + e.getMessage());
        }
    }

    static AdminReply error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    static AdminReply notAllowed(String allowed) {
        AdminReply reply = error(405, "use " + allowed);
        return new AdminReply(reply.status, reply.body, allowed, false);
    }

    static AdminReply unauthorized() {
        AdminReply reply = error(401,
                "missing or wrong bearer token; send Authorization: Bearer <contents of the router's token file>");
        return new AdminReply(reply.status, reply.body, null, true);
    }
}
