package dev.deployguard.event;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One backup, verification or restore of any of the three kinds DeployGuard backs up, as it goes into the event
 * log (and from there to notifications and incident reports). It carries names, counts and times only: never a
 * key, a password or the credentials of a URL ({@code where} is stripped of user info and query).
 *
 * @param target {@code store} (DeployGuard's own state), {@code etcd} or {@code namespace}
 * @param action {@code create}, {@code verify} or {@code restore}
 * @param backup the backup's id, or its file name for a namespace tarball
 * @param ok whether it completed (a backup that did not verify is not ok)
 * @param where what it was taken from or restored into: an etcd endpoint, a namespace, a data directory
 * @param detail one line of outcome: counts, what differed, why it failed
 * @param restoreMillis how long the (scratch) restore took, 0 when none ran
 */
public record BackupEvent(String target, String action, String backup, boolean ok, String where, String detail,
                          long restoreMillis) {
    /** The values {@code target} takes. */
    public static final Set<String> TARGETS = Set.of("store", "etcd", "namespace");
    /** The values {@code action} takes. */
    public static final Set<String> ACTIONS = Set.of("create", "verify", "restore");
    private static final int MAX_TEXT = 2000;

    public BackupEvent {
        if (!TARGETS.contains(target)) {
            throw new IllegalArgumentException("target: expected store, etcd or namespace, got '" + target + "'");
        }
        if (!ACTIONS.contains(action)) {
            throw new IllegalArgumentException("action: expected create, verify or restore, got '" + action + "'");
        }
        if (backup == null || backup.isBlank() || backup.length() > 300 || backup.contains("\n")) {
            throw new IllegalArgumentException("backup: give the backup's id or file name (one line, at most 300"
                    + " characters)");
        }
        if (restoreMillis < 0) {
            throw new IllegalArgumentException("restoreMillis: must not be negative, got " + restoreMillis);
        }
        where = where == null ? null : withoutCredentials(clip(where));
        detail = detail == null ? "" : clip(detail);
    }

    /** {@code backup.created|failed|verified|restored}: a failed create or restore is {@code backup.failed}. */
    public String kind() {
        return switch (action) {
            case "create" -> ok ? EventKinds.BACKUP_CREATED : EventKinds.BACKUP_FAILED;
            case "verify" -> EventKinds.BACKUP_VERIFIED;
            default -> ok ? EventKinds.BACKUP_RESTORED : EventKinds.BACKUP_FAILED;
        };
    }

    /** What a person reads, e.g. "etcd snapshot 20261207T1000Z-1 completed and verified (from 127.0.0.1:2379): …". */
    public String message() {
        String what = switch (target) {
            case "etcd" -> "etcd snapshot ";
            case "namespace" -> "namespace backup ";
            default -> "backup ";
        };
        String outcome = switch (action) {
            case "create" -> ok ? "completed and verified" : "FAILED";
            case "verify" -> ok ? "verified" : "FAILED verification";
            default -> ok ? "restored" : "restore FAILED";
        };
        String place = where == null ? "" : (action.equals("restore") ? " into " : " of ") + where;
        return what + backup + " " + outcome + place + (detail.isEmpty() ? "" : ": " + detail);
    }

    /** The event's data: every field but the free-text detail, which is in the message. */
    public Map<String, Object> data() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("target", target);
        d.put("action", action);
        d.put("backup", backup);
        d.put("status", ok ? "COMPLETED" : "FAILED");
        if (where != null) {
            d.put("where", where);
        }
        d.put("restoreMillis", restoreMillis);
        return d;
    }

    /** As an event by {@code actor}, app-less: backups belong to the control plane or the cluster. */
    public Event toEvent(Instant at, String actor) {
        return Event.of(at, null, null, actor, kind(), message(), data());
    }

    private static String clip(String s) {
        String one = s.replace('\n', ' ').replace('\r', ' ');
        return one.length() > MAX_TEXT ? one.substring(0, MAX_TEXT) + "…" : one;
    }

    /** {@code https://user:pw@host:2379/x?token=y} → {@code https://host:2379/x}; anything else as given. */
    static String withoutCredentials(String where) {
        if (!where.contains("://")) {
            return where;
        }
        try {
            URI u = URI.create(where);
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (IllegalArgumentException | java.net.URISyntaxException e) {
            return "(an endpoint that is not a valid URL)";
        }
    }
}
