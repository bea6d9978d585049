/**
 * Test support for every module: an in-memory {@link dev.deployguard.store.Store} with the JDBC store's rules, a
 * {@link dev.deployguard.testing.RecordingRouter} and a {@link dev.deployguard.testing.SimulatedClock}. Uses core
 * only, so any module's tests may depend on it; nothing in a distribution does.
 */
package dev.deployguard.testing;
