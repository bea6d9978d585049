/**
 * Incidents: opened by people or by an automatic rollback, noted, closed, with a Markdown post-incident report
 * built from the incident and the app's events. Uses core and its store port, and the local router's per-second
 * windows.
 */
package dev.deployguard.server.incident;
