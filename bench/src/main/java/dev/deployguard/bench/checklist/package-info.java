/**
 * The wall time of an app's whole pre-deployment checklist against local services (registry, PostgreSQL). Uses the
 * server's checklist and the store's and supply-chain's test support.
 */
package dev.deployguard.bench.checklist;
