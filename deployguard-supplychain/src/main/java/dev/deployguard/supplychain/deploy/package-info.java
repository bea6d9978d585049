/**
 * The image gate a deploy passes first: resolve the tag through registry and mirrors, verify the signature, or fall
 * back to the last known-good digest. Uses this module's registry and cosign packages and core.
 */
package dev.deployguard.supplychain.deploy;
