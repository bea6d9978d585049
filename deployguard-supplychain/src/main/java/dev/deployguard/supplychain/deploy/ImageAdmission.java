package dev.deployguard.supplychain.deploy;

import dev.deployguard.release.PinnedImage;

/**
 * What a deploy runs: the image pinned by digest, and, when it is not the image that was asked for, a warning the
 * deploy must show (the last known-good digest used while no registry answered).
 */
public record ImageAdmission(PinnedImage image, String warning) {
}
