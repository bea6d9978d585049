/**
 * Releases: immutable, numbered revisions of an app, their status and the image pinned by digest. Plain values; no
 * I/O.
 */
package dev.deployguard.release;
