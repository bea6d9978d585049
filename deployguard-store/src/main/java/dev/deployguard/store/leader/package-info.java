/**
 * Leader election of control planes sharing one PostgreSQL store, for hosts and VMs without a Kubernetes Lease: a
 * session advisory lock (freed by the server the moment the leader's session dies) plus a lease row timed by the
 * database's clock, whose epoch fences every state change of a stale leader ({@link
 * dev.deployguard.store.EpochFence}).
 */
package dev.deployguard.store.leader;
