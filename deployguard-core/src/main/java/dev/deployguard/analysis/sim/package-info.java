/**
 * Seeded simulation of canary traffic for tests and benchmarks: Poisson arrivals with a diurnal rate, a traffic
 * split, Bernoulli errors, log-normal latencies, injected regressions and correlated error bursts, produced as
 * per-window aggregates drawn directly (no per-request draws) so that hours of traffic take milliseconds.
 */
package dev.deployguard.analysis.sim;
