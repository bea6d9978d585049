/**
 * The local control plane's rollback and drill times, with the demo app as real processes behind the real router.
 * Uses the server and the demo app.
 */
package dev.deployguard.bench.controlplane;
