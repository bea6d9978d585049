/**
 * Scanner reports (Grype, Trivy, SARIF) read strictly, and the vulnerability gate with its dated allowlist. Uses
 * Jackson and core.
 */
package dev.deployguard.supplychain.scan;
