/**
 * Apps that a GitOps controller owns: who owns a Kubernetes object (Argo CD Application, Flux Kustomization or
 * HelmRelease, from the tracking annotation, labels and {@code managedFields}), whether that owner's automation would
 * undo a rollback, the owners' own histories, rollback the way each owner allows it (Argo CD's {@code .operation},
 * Flux suspend/resume and {@code reconcile.fluxcd.io/requestedAt}), and watching for the owner changing back what
 * DeployGuard set. The owners are read as generic resources (no Argo CD or Flux client library). Uses fabric8 and
 * core.
 */
package dev.deployguard.kubernetes.gitops;
