package dev.deployguard.store.backup;

import java.time.Instant;
import java.util.Map;

/** {@code manifest.json} inside a backup: enough to verify it without its {@code .json} beside it. */
record Manifest(int format, String id, Instant createdAt, String engine, String dumpEntry, Map<String, String> tools,
                TableDigest digest, Map<String, String> stateFiles) {
}
