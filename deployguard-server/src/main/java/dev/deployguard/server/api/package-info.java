/**
 * The control plane's HTTP API (JSON over Jetty, bearer token) and the strict reader of request bodies. Calls the
 * server's feature packages; they answer, it renders.
 */
package dev.deployguard.server.api;
