/**
 * TEST SUPPORT, NOT PRODUCTION: a fake Argo CD application controller and Flux kustomize-/helm-controller that
 * run against fabric8's mock API server (which runs no controllers). Uses fabric8's client API (an optional
 * dependency of this module: only tests that have fabric8 use this package).
 */
package dev.deployguard.testing.gitops;
