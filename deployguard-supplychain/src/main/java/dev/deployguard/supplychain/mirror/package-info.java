/**
 * Registry mirrors on the nodes: containerd's {@code hosts.toml} for an image's mirrors ({@link
 * dev.deployguard.supplychain.mirror.HostsToml}), so that the kubelet pulls through the same mirrors a deploy
 * resolves through. Pure text generation from the spec.
 */
package dev.deployguard.supplychain.mirror;
