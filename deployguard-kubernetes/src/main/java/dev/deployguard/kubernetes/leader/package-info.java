/**
 * Leader election between control-plane replicas on a coordination.k8s.io Lease, and the pod label that routes the
 * API to the leader. Uses fabric8 and core.
 */
package dev.deployguard.kubernetes.leader;
