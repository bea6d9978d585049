package dev.deployguard.traffic;

import java.util.List;

/**
 * A named share of an app's traffic: the release serving it, its weight in basis points (10,000 = 100%) and the
 * backends (host:port) that carry it.
 */
public record Track(String name, int revision, int weightBasisPoints, List<String> backends) {
    public static final int FULL = 10_000;

    public Track {
        backends = List.copyOf(backends);
        if (weightBasisPoints < 0 || weightBasisPoints > FULL) {
            throw new IllegalArgumentException("weight must be within 0..10000 basis points, was " + weightBasisPoints);
        }
    }
}
