package dev.deployguard.analysis;

/** Which side of a canary comparison a request or a count belongs to. */
public enum TrackKind {
    STABLE,
    CANARY
}
