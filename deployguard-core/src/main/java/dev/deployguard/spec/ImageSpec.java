package dev.deployguard.spec;

/** The app's {@code image} section: the OCI image a release runs (repository, mirrors, signature key, last-known-good policy). Owned by the supply-chain work (issue 4). */
public record ImageSpec() {
}
