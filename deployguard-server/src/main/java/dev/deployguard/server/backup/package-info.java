/**
 * Backups taken through a running control plane: the embedded H2 store admits one process, so an online backup of
 * it has to be dumped by the process that holds it. The logic is in {@code dev.deployguard.store.backup}.
 */
package dev.deployguard.server.backup;
