package dev.deployguard.supplychain.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A user name and secret for one registry, and where they came from (for messages). The secret never appears in
 * {@link #toString()}, messages, events or logs.
 *
 * @param source e.g. {@code ~/.docker/config.json auths} or {@code docker-credential-pass}
 */
public record RegistryCredential(String username, String secret, String source) {
    public RegistryCredential {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(source, "source");
    }

    /** The value of an {@code Authorization: Basic} header. */
    String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + secret)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Who, for messages: the user name and the source, never the secret. */
    public String describe() {
        return "user " + username + " (from " + source + ")";
    }

    @Override
    public String toString() {
        return "RegistryCredential[" + describe() + ", secret=****]";
    }
}
