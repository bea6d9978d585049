package dev.deployguard.local.router;

import dev.deployguard.analysis.TrackKind;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** Reads the track a user request asks for, from a header or the canary cookie, as ingress-nginx users know them. */
final class TrackChoice {
    /** Names a track to send the request to, e.g. for testing a canary before it takes weight. */
    static final String TRACK_HEADER = "X-DeployGuard-Track";
    /** {@code X-Canary: always} is {@code X-DeployGuard-Track: canary}, as ingress-nginx users know it. */
    static final String CANARY_HEADER = "X-Canary";
    /** Marks DeployGuard's built-in load; it takes the track weights like user traffic, and is counted apart. */
    static final String SYNTHETIC_HEADER = "X-DeployGuard-Synthetic";
    static final String CANARY_TRACK = TrackKind.CANARY.trackName();
    static final String STABLE_TRACK = TrackKind.STABLE.trackName();
    /** Cookie name for canary-by-cookie routing. */
    static final String CANARY_COOKIE = "canary";

    private TrackChoice() {
    }

    /** The forced track name, or null for the weighted draw. */
    static String forcedTrack(HttpHeaders headers) {
        String track = headers.get(TRACK_HEADER);
        if (track != null) {
            return track.trim();
        }
        String canary = headers.get(CANARY_HEADER);
        if (canary != null && canary.trim().equalsIgnoreCase("always")) {
            return CANARY_TRACK;
        }
        if (!headers.contains(HttpHeaderNames.COOKIE)) {
            return null;
        }
        // ingress-nginx's canary-by-cookie: a tester's browser keeps "canary=always" (or "never" for stable).
        for (String cookieHeader : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (String cookie : cookieHeader.split(";")) {
                String c = cookie.trim();
                if (c.equalsIgnoreCase(CANARY_COOKIE + "=always")) {
                    return CANARY_TRACK;
                }
                if (c.equalsIgnoreCase(CANARY_COOKIE + "=never")) {
                    return STABLE_TRACK;
                }
            }
        }
        return null;
    }
}
