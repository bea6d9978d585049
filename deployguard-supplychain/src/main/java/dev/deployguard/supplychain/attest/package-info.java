/**
 * In-toto attestations attached to an image digest (an SBOM, SLSA provenance, a vulnerability scan), found where cosign
 * writes them — the classic {@code sha256-<hex>.att} tag and Sigstore bundles among the referrers — and verified with
 * the image's signature policy.
 */
package dev.deployguard.supplychain.attest;
