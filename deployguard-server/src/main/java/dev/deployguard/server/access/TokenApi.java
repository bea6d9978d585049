package dev.deployguard.server.access;

import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.JsonBody;
import dev.deployguard.server.request.Role;
import dev.deployguard.store.TokenStore.StoredToken;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The token part of the HTTP API (admin only): {@code GET /api/tokens} lists names, roles and times, never secrets;
 * {@code POST /api/tokens} {@code {role, name?}} creates one and answers its secret once; {@code POST
 * /api/tokens/NAME/revoke} removes one.
 */
public final class TokenApi {
    private final ApiTokens tokens;

    public TokenApi(ApiTokens tokens) {
        this.tokens = tokens;
    }

    /**
     * @param body the JSON object of a POST, else null
     * @param actor who asks (recorded as the creator)
     */
    public Map<String, Object> route(Endpoint endpoint, String path, JsonBody body, String actor) {
        return switch (endpoint) {
            case TOKENS -> {
                List<Map<String, Object>> list = new ArrayList<>();
                Map<String, Object> builtIn = new LinkedHashMap<>();
                builtIn.put("name", ApiTokens.ADMIN);
                builtIn.put("role", Role.ADMIN.label());
                builtIn.put("createdAt", null);
                builtIn.put("createdBy", "the state directory's api.token");
                builtIn.put("lastUsedAt", null);
                list.add(builtIn);
                tokens.list().forEach(t -> list.add(view(t)));
                yield Map.of("tokens", list);
            }
            case TOKEN_CREATE -> {
                body.allowOnly("name", "role");
                String role = body.requiredString("role", "\"viewer\"");
                ApiTokens.Created c = tokens.create(body.string("name"), Role.parse(role), actor);
                Map<String, Object> m = view(c.token());
                m.put("token", c.secret());
                m.put("message", "created " + c.token().role() + " token '" + c.token().name() + "'; its secret is"
                        + " shown only now: store it (e.g. in DEPLOYGUARD_TOKEN or a secret manager)");
                yield m;
            }
            case TOKEN_REVOKE -> {
                body.allowOnly();
                String name = path.substring("/api/tokens/".length(), path.length() - "/revoke".length());
                StoredToken t = tokens.revoke(name);
                Map<String, Object> m = view(t);
                m.put("message", "revoked token '" + name + "'; requests with it are refused from now on");
                yield m;
            }
            default -> throw new IllegalArgumentException("not a token endpoint: " + endpoint);
        };
    }

    private static Map<String, Object> view(StoredToken t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("role", t.role());
        m.put("createdAt", t.createdAt());
        m.put("createdBy", t.createdBy());
        m.put("lastUsedAt", t.lastUsedAt());
        return m;
    }
}
