/** {@code bench/run backup}: backup and verify time and size, for the store and for a namespace. */
package dev.deployguard.bench.backup;
