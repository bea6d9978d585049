/**
 * The web dashboard, served by the control plane's HTTP server beside the JSON API: server-rendered pages (apps,
 * one app, one rollout), live updates over server-sent events, hand-written SVG charts bundled in the jar, and the
 * browser's login (the API token once, then an HttpOnly SameSite=Strict session cookie with a CSRF token). Actions
 * from a page are calls of the JSON API itself, so they are authorized and recorded exactly as API calls are.
 */
package dev.deployguard.server.dashboard;
