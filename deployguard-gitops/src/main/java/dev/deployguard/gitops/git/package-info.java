/**
 * The JGit implementation of {@link dev.deployguard.gitops.GitRestorer}: a restore commit built from trees (the app's
 * path taken from the good commit's tree, everything else from the head's), so it is right across merge commits,
 * which {@code git revert} needs {@code -m} for and JGit's revert cannot do. Each restore works in a fresh bare
 * repository that is deleted afterwards; credentials come from the environment and never reach a message.
 */
package dev.deployguard.gitops.git;
