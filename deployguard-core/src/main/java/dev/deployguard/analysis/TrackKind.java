package dev.deployguard.analysis;

import java.util.Locale;

/** Which side of a canary comparison a request or a count belongs to. */
public enum TrackKind {
    STABLE,
    CANARY;

    /** The track's name in route tables, router metrics and labels: {@code stable}, {@code canary}. */
    public String trackName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
