package dev.deployguard.release;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The image a release runs, pinned by digest so that a redeploy or rollback runs exactly the same bytes whatever
 * the tag points at later.
 *
 * @param repository the repository as {@code docker pull} names it, e.g. {@code 127.0.0.1:5000/team/web}
 * @param digest     the manifest digest, {@code sha256:<64 hex>}
 * @param verified   whether its cosign signature was verified with the app's key when the release was made
 */
public record PinnedImage(String repository, String digest, boolean verified) {
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    public PinnedImage {
        Objects.requireNonNull(repository, "repository");
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            throw new IllegalArgumentException("digest must be sha256:<64 lowercase hex>, was " + digest);
        }
    }

    /** {@code repository@sha256:...}: the pinned reference handed to instances. */
    public String reference() {
        return repository + "@" + digest;
    }

    /** Parses {@code repository@sha256:...}. */
    public static PinnedImage parse(String reference, boolean verified) {
        int at = reference.lastIndexOf('@');
        if (at <= 0) {
            throw new IllegalArgumentException("expected repository@sha256:..., got '" + reference + "'");
        }
        return new PinnedImage(reference.substring(0, at), reference.substring(at + 1), verified);
    }
}
