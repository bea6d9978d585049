package dev.deployguard.server.api;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.server.access.ApiTokens;
import dev.deployguard.server.dashboard.Dashboard;
import dev.deployguard.server.dashboard.Sessions;
import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.Principal;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Who makes a request and whether they may: the bearer token or the dashboard's session cookie (in demo mode, without
 * either, {@code demo} as admin), the CSRF defence for browser changes, and the role each {@link Endpoint} needs.
 */
final class Authentication {
    /** The request attribute that marks a request authenticated by a dashboard session cookie. */
    private static final String SESSION = "dev.deployguard.dashboard.session";

    private final ApiTokens tokens;
    private final Sessions sessions;
    private final boolean demo;

    Authentication(ApiTokens tokens, Sessions sessions, boolean demo) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.demo = demo;
    }

    /**
     * Authenticates the request (its principal is set on it) and answers its refusal: 401 without a valid token, 403
     * for a browser change without the dashboard's CSRF token or a caller without the endpoint's role; empty when the
     * call may go on. A refused request's body is read and dropped.
     *
     * @throws DeployGuardException not found for an authenticated call of no endpoint
     */
    Optional<Answer> refusal(Request request, String method, String path, Endpoint endpoint) {
        Principal principal = authenticate(request);
        if (principal != null) {
            Principal.set(request, principal);
        }
        if ((endpoint == null || !endpoint.open()) && principal == null) {
            RequestBody.discard(request);
            return Optional.of(new Answer(401, Map.of("error", "missing or wrong API token: send"
                    + " 'Authorization: Bearer <token>' (the admin token is in the state directory's api.token;"
                    + " others come from: deployguard token create)", "exitCode", ExitCode.BAD_INPUT.code())));
        }
        if (endpoint == null) {
            throw DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
        }
        if (!method.equals("GET") && !dashboardMayChange(request)) {
            RequestBody.discard(request);
            return Optional.of(new Answer(403, Map.of("error", "refused: a browser request to change"
                    + " something must come from the dashboard's own page, with its CSRF token (reload the page"
                    + " and retry)", "exitCode", ExitCode.BAD_INPUT.code())));
        }
        if (!endpoint.open() && !principal.may(endpoint.role())) {
            RequestBody.discard(request);
            return Optional.of(new Answer(403, Map.of("error", endpoint + " needs the " + endpoint.role().label()
                    + " role; token '" + principal.actor() + "' has the " + principal.role().label()
                    + " role (an admin can create a token with: deployguard token create --role "
                    + endpoint.role().label() + ")", "requiredRole", endpoint.role().label(),
                    "exitCode", ExitCode.BAD_INPUT.code())));
        }
        return Optional.empty();
    }

    /** WHO in history and events: the token's name, with the client's "on behalf of" text beside it. */
    static String actor(Request request) {
        if (request.getAttribute(Principal.ATTRIBUTE) instanceof Principal p) {
            return p.recorded(Principal.onBehalfOf(request));
        }
        return "api@" + Request.getRemoteAddr(request);
    }

    /** The request's principal from its bearer token; in demo mode, without a token, {@code demo} as admin. */
    private Principal authenticate(Request request) {
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (h != null && h.startsWith("Bearer ")) {
            Optional<Principal> p = tokens.authenticate(h.substring(7).trim());
            if (p.isPresent()) {
                return p.get();
            }
        } else {
            // A browser: the dashboard's session cookie stands for the token typed at login.
            Optional<Sessions.Login> login = sessions.find(request);
            if (login.isPresent()) {
                request.setAttribute(SESSION, login.get());
                return login.get().principal();
            }
        }
        return demo ? Dashboard.demoPrincipal() : null;
    }

    /**
     * CSRF defence for changes: a request from a browser page of another origin is refused (the CLI sends no
     * Origin), and one authenticated by the session cookie must carry the session's CSRF token in a header.
     */
    private static boolean dashboardMayChange(Request request) {
        if (!Dashboard.sameOrigin(request)) {
            return false;
        }
        return !(request.getAttribute(SESSION) instanceof Sessions.Login login)
                || Sessions.csrfMatches(login, request.getHeaders().get(Sessions.CSRF_HEADER));
    }
}
