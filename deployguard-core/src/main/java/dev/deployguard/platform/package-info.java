/**
 * What core knows of a platform's running processes: the {@link dev.deployguard.platform.Instance} record the local
 * platform and the store share. Plain values; no I/O.
 */
package dev.deployguard.platform;
