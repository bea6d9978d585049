/**
 * How a cluster's edge splits an app's traffic between stable and canary: one {@link
 * dev.deployguard.kubernetes.traffic.CanaryRoute} per router (ingress-nginx, Gateway API), the ingress-nginx
 * metrics source, and conflict-retrying writes. Uses fabric8 and core.
 */
package dev.deployguard.kubernetes.traffic;
