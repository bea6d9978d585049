package dev.deployguard.server.backup;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.BackupEvent;
import dev.deployguard.event.Event;
import dev.deployguard.server.request.JsonBody;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.backup.BackupKey;
import dev.deployguard.store.backup.BackupRecord;
import dev.deployguard.store.backup.Backups;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/backups}: an online backup of the running control plane's store and state files. The key, when
 * asked for, is read from the control plane's own environment: the request carries only the variable's name.
 */
public final class BackupApi {
    private BackupApi() {
    }

    /** Takes a backup now; {@code keep}/{@code maxAge} (null: none) prune older ones once it has verified. */
    public static Map<String, Object> create(ControlPlane cp, String dirText, String keyEnv, Integer keep,
                                             Duration maxAge, String actor) {
        if (!(cp.store() instanceof JdbcStore store)) {
            throw DeployGuardException.badInput("this control plane's store cannot be backed up (not a JDBC store)");
        }
        Path dir = dirText == null ? Backups.defaultDir(cp.stateDir()) : Path.of(dirText);
        if (!dir.isAbsolute()) {
            throw DeployGuardException.badInput("dir: must be an absolute path, got '" + dirText + "'");
        }
        BackupKey key = BackupKey.fromEnv(keyEnv, System.getenv());
        var backups = new Backups(dir, cp.storeLocation(), Clock.systemUTC());
        BackupRecord record = backups.create(store, key, actor, e -> cp.events().record(e.app(), e.revision(),
                e.actor(), e.kind(), e.message(), e.data()));
        List<String> pruned = record.status() == BackupRecord.Status.COMPLETED && (keep != null && keep > 0
                || maxAge != null) ? backups.prune(keep == null ? 0 : keep, maxAge) : List.of();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backup", record);
        out.put("pruned", pruned);
        out.put("dir", backups.dir().toString());
        return out;
    }

    /**
     * {@code POST /api/backups/events}: records a backup, verify or restore that the CLI made itself (etcd snapshots,
     * namespace tarballs, a store verify while the control plane holds the store) in this control plane's event log,
     * so notifications and incident reports see it. Only the fields of {@link BackupEvent} are taken, never free data.
     */
    public static Map<String, Object> record(ControlPlane cp, JsonBody b, String actor) {
        BackupEvent e;
        try {
            Integer millis = b.integer("restoreMillis", 0);
            e = new BackupEvent(b.requiredString("target", "\"etcd\""), b.requiredString("action", "\"create\""),
                    b.requiredString("backup", "\"20261207T100000Z-1\""), b.bool("ok", false), b.string("where"),
                    b.string("detail"), millis == null ? 0 : millis);
        } catch (IllegalArgumentException ex) {
            throw DeployGuardException.badInput(ex.getMessage());
        }
        Event recorded = cp.events().record(null, null, actor, e.kind(), e.message(), e.data());
        return Map.of("event", recorded);
    }
}
