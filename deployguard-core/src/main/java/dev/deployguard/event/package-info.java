/**
 * The append-only event record and its stable kinds, of which timelines, audits, reports and drills are views.
 * Plain values; no I/O.
 */
package dev.deployguard.event;
