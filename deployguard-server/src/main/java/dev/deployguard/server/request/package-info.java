/**
 * What the API reads from a request: who makes it ({@link dev.deployguard.server.request.Principal}, a token's name
 * and {@link dev.deployguard.server.request.Role}), which route it calls and the role that route needs
 * ({@link dev.deployguard.server.request.Endpoint}), and its body's JSON object read with each field's type checked
 * and unknown fields refused ({@link dev.deployguard.server.request.JsonBody}). Used by the API and by the
 * per-resource handlers (drills, incidents, teardown, dashboard); depends on core only, so the handlers need not
 * depend on the API package.
 */
package dev.deployguard.server.request;
