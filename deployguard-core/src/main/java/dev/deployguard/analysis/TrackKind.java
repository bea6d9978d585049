package dev.deployguard.analysis;

/** Which side of a canary comparison a request or a count belongs to. */
public enum TrackKind {
    STABLE("stable"),
    CANARY("canary");

    private final String trackName;

    TrackKind(String trackName) {
        this.trackName = trackName;
    }

    /** The track's name in route tables, router metrics and labels: {@code stable}, {@code canary}. */
    public String trackName() {
        return trackName;
    }
}
