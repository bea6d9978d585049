package dev.deployguard.server.request;

import java.util.Objects;
import org.eclipse.jetty.server.Request;

/**
 * Who makes a request, as its token says: the token's name is the actor recorded in history and events, the role
 * bounds what the request may do. Set on the request by the API's authentication before any handler runs; handlers
 * read it with {@link #of(Request)}.
 *
 * @param actor the token's name ({@code admin} for the state directory's {@code api.token}, {@code demo} in
 *              loopback demo mode)
 */
public record Principal(String actor, Role role) {
    /** The request attribute that carries the authenticated principal. */
    public static final String ATTRIBUTE = "dev.deployguard.principal";
    /** The header a client may send to say for whom it acts; recorded beside the actor, never as the actor. */
    public static final String ON_BEHALF_OF_HEADER = "X-DeployGuard-Actor";
    private static final int MAX_ON_BEHALF_OF = 64;

    public Principal {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(role, "role");
    }

    /** True when this principal may call an endpoint that needs {@code needed}. */
    public boolean may(Role needed) {
        return role.includes(needed);
    }

    /**
     * The authenticated principal of a request.
     *
     * @throws IllegalStateException if authentication did not run for this request (a wiring bug, not user input)
     */
    public static Principal of(Request request) {
        if (request.getAttribute(ATTRIBUTE) instanceof Principal p) {
            return p;
        }
        throw new IllegalStateException("no principal on request " + Request.getPathInContext(request)
                + ": authentication must run before the handler");
    }

    /** Records the authenticated principal on the request (done once, by the API's authentication). */
    public static void set(Request request, Principal principal) {
        request.setAttribute(ATTRIBUTE, principal);
    }

    /**
     * The {@value #ON_BEHALF_OF_HEADER} header, cut to letters, digits and {@code . _ @ -} (at most 64), or null:
     * free text a client adds (the CLI sends the OS user), recorded beside the token's actor and never instead of it.
     */
    public static String onBehalfOf(Request request) {
        String h = request.getHeaders().get(ON_BEHALF_OF_HEADER);
        if (h == null) {
            return null;
        }
        var sb = new StringBuilder();
        for (char c : h.toCharArray()) {
            if (sb.length() == MAX_ON_BEHALF_OF) {
                break;
            }
            if (Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '@' || c == '-') {
                sb.append(c);
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /**
     * What history and events record as WHO: the token's actor, followed by {@code (for NAME)} when the client said
     * for whom it acts. The actor always comes first and the client's text cannot contain parentheses or spaces, so
     * no header can make a record look like another token's.
     */
    public String recorded(String onBehalfOf) {
        return onBehalfOf == null || onBehalfOf.equals(actor) ? actor : actor + " (for " + onBehalfOf + ")";
    }
}
