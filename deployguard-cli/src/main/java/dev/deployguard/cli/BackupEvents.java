package dev.deployguard.cli;

import dev.deployguard.event.BackupEvent;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.backup.LiveControlPlane;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records a backup, verify or restore the CLI made (etcd, namespace, or the store while a control plane holds it)
 * as a {@code backup.*} event: through the running control plane when there is one, so its notifications go out,
 * else straight into the state directory's embedded store. Recording never changes the command's outcome: when it
 * cannot be done, a warning says so and the result stays beside the backup.
 */
final class BackupEvents {
    private BackupEvents() {
    }

    /**
     * Whether a failure is worth an event: a refusal of bad input (a too-short file, a missing backup) or of a target
     * in use (a restore over a live data directory) changed nothing and happened before any backup or restore
     * began, so it is only the command's error.
     */
    static boolean happened(RuntimeException failure) {
        return !(failure instanceof dev.deployguard.error.DeployGuardException d
                && (d.exitCode() == dev.deployguard.error.ExitCode.BAD_INPUT
                || d.exitCode() == dev.deployguard.error.ExitCode.NOT_FOUND
                || d.exitCode() == dev.deployguard.error.ExitCode.BUSY));
    }

    static void record(DeployGuard root, BackupEvent e) {
        String actor = System.getProperty("user.name", "unknown");
        Path state = root.stateDir().toAbsolutePath();
        try {
            if (root.server != null || LiveControlPlane.pid(state).isPresent()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("target", e.target());
                body.put("action", e.action());
                body.put("backup", e.backup());
                body.put("ok", e.ok());
                if (e.where() != null) {
                    body.put("where", e.where());
                }
                body.put("detail", e.detail());
                body.put("restoreMillis", Math.min(Integer.MAX_VALUE, e.restoreMillis()));
                root.client().post("/api/backups/events", body);
            } else {
                try (JdbcStore store = JdbcStore.embedded(state)) {
                    store.append(e.toEvent(Instant.now(), actor));
                }
            }
        } catch (RuntimeException ex) { // an unreachable control plane, a locked or unwritable store
            System.err.println("warning: " + e.kind() + " was not recorded in the event log (" + ex.getMessage()
                    + "); the result is kept beside the backup");
        }
    }
}
