/**
 * The control plane's own Prometheus metrics, served at {@code /metrics} through Micrometer's Prometheus registry:
 * router traffic per app and track ({@link dev.deployguard.server.telemetry.RouterTraffic}), rollout state
 * ({@link dev.deployguard.server.telemetry.RolloutGauges}), every analysis look's evidence
 * ({@link dev.deployguard.server.telemetry.VerdictMetrics}), rollbacks and checklists from the event log
 * ({@link dev.deployguard.server.telemetry.EventMetrics}) and the control plane's health. docs/metrics.md lists
 * every metric.
 */
package dev.deployguard.server.telemetry;
