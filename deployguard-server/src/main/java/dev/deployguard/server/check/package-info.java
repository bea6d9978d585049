/**
 * The pre-deployment checklist as a deploy runs it: built from the app's spec, one method per check family, from
 * the local, Kubernetes, supply-chain and store checks. Uses those adapters and core's check SPI.
 */
package dev.deployguard.server.check;
