/**
 * A small client of the OCI distribution API on the JDK HTTP client: ping, manifests, blobs, tag-to-digest
 * resolution over mirrors, every answer checked against its digest. Uses the JDK, Jackson and core.
 */
package dev.deployguard.supplychain.registry;
