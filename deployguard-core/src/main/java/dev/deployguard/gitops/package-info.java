/**
 * The port through which a rollback makes git say what actually runs: a restore commit of the app's directory
 * ({@link dev.deployguard.gitops.GitRestorer}), and the question GitOps automation asks before it is re-armed
 * ({@link dev.deployguard.gitops.GitRestorer#headDeploys}). The JGit implementation lives in
 * {@code deployguard-gitops}.
 */
package dev.deployguard.gitops;
