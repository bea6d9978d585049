/**
 * The cluster checks of the pre-deployment checklist (node health, capacity, pods), each bounded by the check's
 * timeout. Uses fabric8 and core's check SPI.
 */
package dev.deployguard.kubernetes.check;
