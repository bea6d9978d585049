package dev.deployguard.local.router;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * One call to a router's admin API, as its server ({@link NettyAdminServer}) received it: the method, the decoded
 * path, the query parameters (first value of each), the {@code Authorization} header (or null) and the whole body
 * (empty when there is none).
 */
record AdminCall(String method, String path, Map<String, String> query, String authorization, byte[] body) {
    AdminCall {
        query = Map.copyOf(query);
        body = body == null ? new byte[0] : body;
    }

    /** The {@code Authorization} value a call with {@code token} carries ({@code Bearer TOKEN}). */
    static byte[] bearer(String token) {
        return ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the call carries exactly {@code expected} ({@code Bearer TOKEN}), compared in constant time. */
    boolean authorized(byte[] expected) {
        return authorization != null
                && MessageDigest.isEqual(authorization.trim().getBytes(StandardCharsets.UTF_8), expected);
    }

    boolean is(String name) {
        return method.equals(name);
    }

    /** The same call at another path: {@code /admin/apps/APP/routes} handed on as {@code /admin/routes}. */
    AdminCall at(String otherPath) {
        return new AdminCall(method, otherPath, query, authorization, body);
    }
}
