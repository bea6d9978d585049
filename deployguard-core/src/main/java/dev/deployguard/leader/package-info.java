/**
 * Which of several control-plane replicas sharing one store may make changes: the {@link
 * dev.deployguard.leader.Leadership} port, implemented on a Kubernetes Lease (deployguard-kubernetes) and on a
 * PostgreSQL lease row with a fencing epoch (deployguard-store).
 */
package dev.deployguard.leader;
