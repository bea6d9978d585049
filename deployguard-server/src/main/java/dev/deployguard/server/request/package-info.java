/**
 * What the API reads from a request: {@link dev.deployguard.server.request.JsonBody}, a body's JSON object read with
 * each field's type checked and unknown fields refused. Used by the API and by the per-resource handlers (drills,
 * incidents, teardown); depends on core only, so the handlers need not depend on the API package.
 */
package dev.deployguard.server.request;
