/**
 * The supply-chain checks of the pre-deployment checklist: the registry serves the tag, and the digest carries a
 * valid cosign signature. Uses this module's registry and cosign packages and core's check SPI.
 */
package dev.deployguard.supplychain.check;
