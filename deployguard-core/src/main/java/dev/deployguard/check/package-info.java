/**
 * The pre-deployment check SPI and the checklist that runs checks in parallel with timeouts, with its renderings as
 * text, JSON and JUnit XML. Implementations live in the platform and supply-chain modules; this package uses the
 * JDK, Jackson (for the JSON report) and core's spec.
 */
package dev.deployguard.check;
