package dev.deployguard.check;

import dev.deployguard.spec.AppSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What a check is asked about: the app (its spec as of now) and the version about to be deployed.
 *
 * @param app      the app's spec
 * @param version  the version to deploy (fills {@code ${version}} in image tags and commands)
 * @param timeout  how long the check may take; the checklist stops waiting after it and reports ERROR
 * @param clock    the time source (allowlist expiry, durations)
 * @param imageDigest the image digest ({@code sha256:...}) the tag resolved to before the checks ran, or null when the
 *                 app has no image or it could not be resolved (the registry check then says why)
 */
public record CheckContext(AppSpec app, String version, Duration timeout, Clock clock, String imageDigest) {
    public Optional<String> versionIfAny() {
        return Optional.ofNullable(version);
    }
}
