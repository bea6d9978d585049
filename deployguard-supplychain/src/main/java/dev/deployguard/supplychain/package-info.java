/** Supply-chain safety: OCI registry access with mirrors, cosign-compatible signatures, scanner-report gates. */
package dev.deployguard.supplychain;
