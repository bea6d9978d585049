/** The incident record with its notes, as the store keeps it and reports read it. Plain values; no I/O. */
package dev.deployguard.incident;
