/**
 * Opening fabric8 clients from a kubeconfig as kubectl picks it, one client per cluster, and the one translation of
 * API failures into messages that name verb, resource and remedy. Uses fabric8 and core.
 */
package dev.deployguard.kubernetes.client;
