/**
 * How many Kubernetes canaries one control plane drives, and a Deployment rollback's API calls, against a mock or
 * hash-map API server. Uses the server, the Kubernetes module's test jar and deployguard-testing's simulated clock.
 */
package dev.deployguard.bench.kubernetes;
