/**
 * etcd snapshots: save through the Maintenance API (jetcd), the SHA-256 trailer checked, status, restore into a new
 * data directory with the etcd tools (never over a live one) and verification by a restore into a scratch member
 * on other loopback ports, compared by key count and {@code hashkv}. Uses core and jetcd; no server types.
 */
package dev.deployguard.kubernetes.etcd;
