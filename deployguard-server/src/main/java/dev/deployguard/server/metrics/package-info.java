/**
 * Metric sources for canary analysis other than the built-in router: Prometheus' HTTP API and web/JSON endpoints,
 * each read into one aligned window, never throwing for a source failure. Uses the JDK HTTP client, Jackson and
 * core's analysis.
 */
package dev.deployguard.server.metrics;
