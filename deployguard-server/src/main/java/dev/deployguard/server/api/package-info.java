/**
 * The control plane's HTTP API (JSON over Jetty, bearer token). {@code ApiServer} is the Jetty setup, the gate every
 * call passes ({@code Authentication}: token or dashboard session, CSRF, the role of each
 * {@link dev.deployguard.server.request.Endpoint}), one dispatch over the endpoints, and the mapping of errors to
 * statuses; {@code RequestBody} reads bodies within bounds. The handlers of apps ({@code AppsApi}), events and health
 * live here; the other resources' handlers live in their feature packages (tokens, incidents, backups, teardown).
 * Knows no platform: each app's platform answers through {@code ControlPlane.apps(app)}.
 */
package dev.deployguard.server.api;
