/**
 * After a rollback, git is made to say what actually runs: {@link dev.deployguard.server.gitops.GitCatchUp} writes
 * the restore commit through the {@link dev.deployguard.gitops.GitRestorer} port, records
 * {@code gitops.git.pending} when git cannot be reached (the rollback itself never waits for git) and retries on
 * its ticker until {@code gitops.git.restored}. Argo CD and Flux rollbacks call the same object.
 */
package dev.deployguard.server.gitops;
