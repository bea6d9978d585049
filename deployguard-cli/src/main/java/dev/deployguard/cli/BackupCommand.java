package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.BackupEvent;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.backup.BackupKey;
import dev.deployguard.store.backup.BackupRecord;
import dev.deployguard.store.backup.Backups;
import dev.deployguard.store.backup.LiveControlPlane;
import dev.deployguard.store.backup.StoreLocation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code deployguard backup create|list|verify|restore}: backups of DeployGuard's own state, each one proven. */
@Command(name = "backup", description = "Back up and restore DeployGuard's own state (store, tokens, route tables)."
        + " Every backup is restored into a scratch database and compared before it is called completed.",
        subcommands = {BackupCommand.Create.class, BackupCommand.ListBackups.class, BackupCommand.Verify.class,
                BackupCommand.Restore.class, NamespaceBackupCommand.class, EtcdBackupCommand.class})
final class BackupCommand {
    @ParentCommand
    DeployGuard root;

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    /** Options every backup subcommand shares. */
    abstract static class Base implements Callable<Integer> {
        @ParentCommand
        BackupCommand backup;
        @Option(names = "--dir", paramLabel = "DIR", description = "Backup directory (default: <state-dir>/backups)")
        Path dir;
        @Option(names = "--store-url", description = "JDBC URL of a PostgreSQL store (default: the embedded H2 store"
                + " in the state dir)")
        String storeUrl;
        @Option(names = "--store-user", description = "Database user (password: $DEPLOYGUARD_STORE_PASSWORD)")
        String storeUser;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table | json (default: table)")
        String output;

        Path stateDir() {
            return backup.root.stateDir().toAbsolutePath();
        }

        StoreLocation location() {
            return new StoreLocation(stateDir(), storeUrl, storeUser, System.getenv("DEPLOYGUARD_STORE_PASSWORD"));
        }

        Path backupDir() {
            return dir == null ? Backups.defaultDir(stateDir()) : dir.toAbsolutePath();
        }

        Backups backups() {
            return new Backups(backupDir(), location(), Clock.systemUTC());
        }

        boolean json() {
            if (!output.equals("json") && !output.equals("table")) {
                throw DeployGuardException.badInput("-o: expected table or json, got '" + output + "'");
            }
            return output.equals("json");
        }

        static void print(Object value) throws Exception {
            System.out.println(JSON.writeValueAsString(value));
        }
    }

    @Command(name = "create", description = "Back up the store and the state files now, then verify the backup by"
            + " restoring it into a scratch database. Through the running control plane when there is one (online),"
            + " else directly.")
    static final class Create extends Base {
        @Option(names = "--key-env", paramLabel = "NAME", description = "Encrypt with AES-256-GCM, the key read from"
                + " this environment variable (of the control plane when one runs)")
        String keyEnv;
        @Option(names = "--keep", paramLabel = "N", description = "Afterwards keep only the newest N backups")
        Integer keep;
        @Option(names = "--max-age", paramLabel = "DURATION", description = "Afterwards delete backups older than"
                + " this, e.g. 30d (the newest completed backup is always kept)")
        String maxAge;

        @Override
        public Integer call() throws Exception {
            boolean json = json();
            if (keep != null && keep < 1) {
                throw DeployGuardException.badInput("--keep: must be at least 1, got " + keep);
            }
            Duration age = maxAge == null ? null : DurationOptions.positive("--max-age", maxAge);
            BackupRecord record;
            List<String> pruned;
            if (LiveControlPlane.pid(stateDir()).isPresent()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("dir", backupDir().toString());
                body.put("keyEnv", keyEnv);
                body.put("keep", keep);
                body.put("maxAge", age == null ? null : age.toString()); // ISO-8601: the API reads no days
                body.values().removeIf(java.util.Objects::isNull);
                JsonNode r = backup.root.client().post("/api/backups", body);
                record = JSON.treeToValue(r.path("backup"), BackupRecord.class);
                pruned = JSON.convertValue(r.path("pruned"), JSON.getTypeFactory()
                        .constructCollectionType(List.class, String.class));
            } else {
                BackupKey key = BackupKey.fromEnv(keyEnv, System.getenv());
                Backups backups = backups();
                StoreLocation l = location();
                try (JdbcStore store = l.url() == null ? JdbcStore.embedded(l.stateDir())
                        : JdbcStore.open(l.url(), l.user(), l.password())) {
                    record = backups.create(store, key, System.getProperty("user.name", "unknown"));
                }
                pruned = record.status() == BackupRecord.Status.COMPLETED && (keep != null || age != null)
                        ? backups.prune(keep == null ? 0 : keep, age) : List.of();
            }
            if (json) {
                print(Map.of("backup", record, "pruned", pruned));
            } else {
                System.out.println(describe(record, backupDir()));
                pruned.forEach(id -> System.out.println("deleted by retention: " + id));
            }
            return record.status() == BackupRecord.Status.COMPLETED ? 0 : ExitCode.FAILURE.code();
        }
    }

    @Command(name = "list", description = "List the backups, newest first, with how their last verification went.")
    static final class ListBackups extends Base {
        @Override
        public Integer call() throws Exception {
            List<BackupRecord> all = backups().list();
            if (json()) {
                print(Map.of("dir", backupDir().toString(), "backups", all));
                return 0;
            }
            var t = new Table("ID", "CREATED", "ENGINE", "ENCRYPTED", "SIZE", "ROWS", "STATUS", "RESTORE", "VERIFIED",
                    "NOTE");
            for (BackupRecord r : all) {
                var v = r.verification();
                t.row(r.id(), r.createdAt().toString(), r.engine(), r.encrypted() ? "yes ($" + r.keyEnv() + ")" : "no",
                        r.sizeBytes(), r.rows(), r.status(), v == null ? "-" : v.restoreMillis() + " ms",
                        v == null ? "-" : v.at().toString(), v == null || v.ok() ? "" : v.message());
            }
            System.out.print(t);
            return 0;
        }
    }

    @Command(name = "verify", description = "Restore a backup into a scratch database again and compare it with the"
            + " row counts and hashes taken with it; the result is stored with the backup.")
    static final class Verify extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The backup (see: deployguard backup list)")
        String id;
        @Option(names = "--key-env", paramLabel = "NAME", description = "Environment variable holding the key of an"
                + " encrypted backup")
        String keyEnv;

        @Override
        public Integer call() throws Exception {
            boolean json = json();
            BackupRecord r = backups().verify(id, BackupKey.fromEnv(keyEnv, System.getenv()));
            if (LiveControlPlane.pid(stateDir()).isPresent()) {
                // The embedded store is the control plane's alone: it records the event (and notifies).
                BackupEvents.record(backup.root, new BackupEvent("store", "verify", id,
                        r.status() == BackupRecord.Status.COMPLETED, null, r.verification().message(),
                        Math.max(0, r.verification().restoreMillis())));
            } else {
                StoreLocation l = location();
                try (JdbcStore store = l.url() == null ? JdbcStore.embedded(l.stateDir())
                        : JdbcStore.open(l.url(), l.user(), l.password())) {
                    store.append(Event.of(Instant.now(), null, null, System.getProperty("user.name", "unknown"),
                            EventKinds.BACKUP_VERIFIED, "backup " + id + " " + (r.status() == BackupRecord.Status
                            .COMPLETED ? "verified" : "FAILED verification") + ": " + r.verification().message(),
                            Map.of("backup", id, "status", r.status().name(),
                                    "restoreMillis", r.verification().restoreMillis())));
                }
            }
            if (json) {
                print(r);
            } else {
                System.out.println(describe(r, backupDir()));
            }
            return r.status() == BackupRecord.Status.COMPLETED ? 0 : ExitCode.FAILURE.code();
        }
    }

    @Command(name = "restore", description = "Replace the store and state files with a backup's. Refuses while a"
            + " control plane runs on the state directory; start one afterwards and it re-adopts running apps.")
    static final class Restore extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The backup (see: deployguard backup list)")
        String id;
        @Option(names = "--key-env", paramLabel = "NAME", description = "Environment variable holding the key of an"
                + " encrypted backup")
        String keyEnv;

        @Override
        public Integer call() throws Exception {
            boolean json = json();
            Backups.Restored r = backups().restore(id, BackupKey.fromEnv(keyEnv, System.getenv()),
                    System.getProperty("user.name", "unknown"));
            if (json) {
                print(r);
            } else {
                System.out.println("restored backup " + id + " (taken " + r.backup().createdAt() + ", "
                        + r.backup().rows() + " rows, state files " + r.stateFiles() + ") into " + stateDir()
                        + " in " + r.restoreMillis() + " ms; the previous H2 file, if any, was kept beside it as"
                        + " deployguard.mv.db.before-restore-*. Start the control plane (deployguard server) to"
                        + " re-adopt running apps.");
            }
            return 0;
        }
    }

    static String describe(BackupRecord r, Path dir) {
        var v = r.verification();
        return "backup " + r.id() + " " + r.status() + ": " + r.engine() + ", " + r.sizeBytes() + " bytes, "
                + r.rows() + " rows" + (r.encrypted() ? ", encrypted with $" + r.keyEnv() : "")
                + (v == null ? "" : "; verify: " + v.message() + " (restore took " + v.restoreMillis() + " ms)")
                + "; file " + dir.resolve(r.id() + ".dgbackup");
    }
}
