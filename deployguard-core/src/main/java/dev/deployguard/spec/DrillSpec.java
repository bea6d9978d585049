package dev.deployguard.spec;

import java.time.Duration;
import java.util.List;

/**
 * The app's {@code drill} section: which two versions a rollback drill moves between, which requests prove the app
 * serves, and how long each step may take. Every field is optional; {@link #DEFAULT} applies when it is absent.
 *
 * @param versions the baseline and the candidate version, or empty (taken from the app's history)
 * @param probes requests sent through the app's listen address; their answers are part of the recorded state
 * @param timeout how long one step (a deploy, a rollback, readiness) may take
 */
public record DrillSpec(List<String> versions, List<Probe> probes, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final DrillSpec DEFAULT = new DrillSpec(List.of(), List.of(Probe.root()), DEFAULT_TIMEOUT);

    public DrillSpec {
        versions = List.copyOf(versions);
        probes = List.copyOf(probes);
    }

    /** One probe request: a GET of {@code path} that must answer {@code expectStatus}. */
    public record Probe(String path, int expectStatus) {
        public static Probe root() {
            return new Probe("/", 200);
        }
    }
}
