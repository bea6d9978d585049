/**
 * Cosign-compatible signature verification: finds signature manifests where cosign keeps them and judges them,
 * without I/O, as {@code cosign verify --key} does. Uses the JDK's crypto, Jackson, this module's registry client
 * and core.
 */
package dev.deployguard.supplychain.cosign;
