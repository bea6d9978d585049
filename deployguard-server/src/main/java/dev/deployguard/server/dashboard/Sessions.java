package dev.deployguard.server.dashboard;

import dev.deployguard.server.request.Principal;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;

/**
 * Browser sessions: a token typed once into the login form becomes a random session id in an HttpOnly,
 * SameSite=Strict cookie. The session keeps the token server-side and asks the API's authorization about it on
 * every request, so a revoked token or a changed role takes effect at once (the session is bound to the token).
 * Each session has its own CSRF token, which every state-changing request must echo in a header or form field.
 */
public final class Sessions {
    public static final String COOKIE = "deployguard_session";
    public static final String CSRF_HEADER = "X-DeployGuard-CSRF";
    /** A session ends this long after login, whatever happens. */
    static final Duration LIFETIME = Duration.ofHours(8);
    private static final int MAX_SESSIONS = 10_000;

    private record Session(String token, String csrf, Instant expires) {
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Function<String, Optional<Principal>> authenticate;

    /** @param authenticate the API's authorization of a token: who it is, or empty for an unknown or revoked token */
    public Sessions(Clock clock, Function<String, Optional<Principal>> authenticate) {
        this.clock = clock;
        this.authenticate = authenticate;
    }

    /** A logged-in browser: who it is and the CSRF token its pages carry. */
    public record Login(String id, Principal principal, String csrf) {
    }

    /** A new session for {@code token}, or empty when the API does not accept the token. */
    Optional<Login> login(String token) {
        Optional<Principal> principal = authenticate.apply(token);
        if (principal.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        sessions.values().removeIf(s -> !now.isBefore(s.expires()));
        if (sessions.size() >= MAX_SESSIONS) {
            return Optional.empty();
        }
        String id = randomHex();
        String csrf = randomHex();
        sessions.put(id, new Session(token, csrf, now.plus(LIFETIME)));
        return Optional.of(new Login(id, principal.get(), csrf));
    }

    /** The session of the request's cookie, still valid and with its token still accepted; else empty. */
    public Optional<Login> find(Request request) {
        String id = cookie(request);
        if (id == null) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(s.expires())) {
            sessions.remove(id);
            return Optional.empty();
        }
        Optional<Principal> principal = authenticate.apply(s.token());
        if (principal.isEmpty()) {
            sessions.remove(id); // the token was revoked: so is every session made with it
            return Optional.empty();
        }
        return Optional.of(new Login(id, principal.get(), s.csrf()));
    }

    /** Whether {@code presented} is the session's CSRF token (compared in constant time). */
    public static boolean csrfMatches(Login login, String presented) {
        return presented != null && MessageDigest.isEqual(login.csrf().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void logout(String id) {
        sessions.remove(id);
    }

    /** The Set-Cookie value of a new session: not readable by scripts, never sent by another site's request. */
    static HttpCookie cookieFor(String id, boolean secure) {
        return HttpCookie.build(COOKIE, id).path("/").httpOnly(true).secure(secure)
                .sameSite(HttpCookie.SameSite.STRICT).maxAge(LIFETIME.toSeconds()).build();
    }

    static HttpCookie expired(boolean secure) {
        return HttpCookie.build(COOKIE, "").path("/").httpOnly(true).secure(secure)
                .sameSite(HttpCookie.SameSite.STRICT).maxAge(0).build();
    }

    private static String cookie(Request request) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (COOKIE.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    private String randomHex() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
