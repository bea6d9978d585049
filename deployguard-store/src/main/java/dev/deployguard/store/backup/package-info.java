/**
 * Backups of DeployGuard's own state (the store plus the state directory's tokens and route tables) that are proven:
 * every backup is restored into a scratch target and compared, table by table, with the snapshot it was taken from,
 * and only then called completed.
 *
 * <p>File layout of a backup ({@code <id>.dgbackup}): a header (magic, format version, flags, and for an encrypted
 * backup the PBKDF2 salt, the AES-GCM nonce and a key check), the body (a zip of {@code manifest.json}, the store
 * dump and {@code state/...}; AES-256-GCM-encrypted when a key is given, the header as associated data), then a
 * 32-byte SHA-256 trailer over everything before it, as etcd's snapshots carry, so a flipped byte or a truncated
 * copy is caught before anything is decrypted or restored.
 */
package dev.deployguard.store.backup;
