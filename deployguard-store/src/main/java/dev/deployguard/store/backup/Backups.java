// Over 400 lines: create, verify, restore, prune of one file format.
package dev.deployguard.store.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.store.JdbcStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The backups of one control plane's state in one directory: create (dump, write, verify), list, verify, restore
 * and retention. Backup files are mode 0600 in a 0700 directory; each is verified by a restore into a scratch
 * target before it is called completed.
 */
public final class Backups {
    private static final String SUFFIX = ".dgbackup";
    private static final Pattern ID = Pattern.compile("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}");
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final StoreLocation location;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    public Backups(Path dir, StoreLocation location, Clock clock) {
        this.dir = dir.toAbsolutePath();
        this.location = location;
        this.clock = clock;
    }

    /** {@code <state-dir>/backups}. */
    public static Path defaultDir(Path stateDir) {
        return stateDir.toAbsolutePath().resolve("backups");
    }

    public Path dir() {
        return dir;
    }

    /**
     * Dumps the live store (through {@code live}, which may belong to a running control plane) and the state files,
     * writes the backup, verifies it by a scratch restore, and records an event in the live store.
     */
    public BackupRecord create(JdbcStore live, BackupKey key, String actor) {
        return create(live, key, actor, live::append);
    }

    /** As {@link #create(JdbcStore, BackupKey, String)}, the event going to {@code events} (a control plane's log). */
    public BackupRecord create(JdbcStore live, BackupKey key, String actor, Consumer<Event> events) {
        StoreEngine engine = location.engine();
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        String id = ID_TIME.format(started) + "-" + HexFormat.of().formatHex(randomBytes(3));
        BackupRecord record;
        Path work = workDir();
        try {
            StoreEngine.Dump dump;
            try (Connection c = live.connection()) {
                dump = engine.dump(c, work);
            }
            Map<String, byte[]> state = stateFiles();
            Map<String, String> stateSums = new TreeMap<>();
            state.forEach((name, bytes) -> stateSums.put(name, hex(BackupFile.sha256(bytes, bytes.length))));
            Manifest manifest = new Manifest(1, id, started, engine.kind(), engine.entryName(), dump.tools(),
                    dump.digest(), stateSums);
            Map<String, byte[]> entries = new LinkedHashMap<>();
            entries.put("manifest.json", json.writeValueAsBytes(manifest));
            entries.put(engine.entryName(), dump.bytes());
            state.forEach((name, bytes) -> entries.put("state/" + name, bytes));
            byte[] file = BackupFile.write(zip(entries), key);
            writePrivate(file(id), file);
            record = new BackupRecord(id, started, engine.kind(), key != null, key == null ? null : key.envName(),
                    file.length, hex(BackupFile.sha256(file, file.length)), (System.nanoTime() - t0) / 1_000_000,
                    dump.digest().totalRows(), List.copyOf(state.keySet()), BackupRecord.Status.FAILED, null);
            record = record.verified(verifyFile(file, key, id, work));
            writePrivate(recordFile(id), json.writeValueAsBytes(record));
        } catch (DeployGuardException e) {
            events.accept(Event.of(clock.instant(), null, null, actor, EventKinds.BACKUP_FAILED, "backup " + id
                    + " failed: " + e.getMessage()));
            throw e;
        } catch (Exception e) {
            events.accept(Event.of(clock.instant(), null, null, actor, EventKinds.BACKUP_FAILED, "backup " + id
                    + " failed: " + e));
            throw new DeployGuardException(ExitCode.FAILURE, "backup " + id + " failed: " + e.getMessage(), e);
        } finally {
            deleteTree(work);
        }
        events.accept(Event.of(clock.instant(), null, null, actor, record.status() == BackupRecord.Status.COMPLETED
                ? EventKinds.BACKUP_CREATED : EventKinds.BACKUP_FAILED, "backup " + id + " "
                + (record.status() == BackupRecord.Status.COMPLETED ? "completed and verified" : "FAILED verification: "
                + record.verification().message()) + " (" + record.sizeBytes() + " bytes, " + record.rows()
                + " rows, restore took " + record.verification().restoreMillis() + " ms)", eventData(record)));
        return record;
    }

    /** All backups in the directory, newest first. */
    public List<BackupRecord> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<BackupRecord> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            // Only our own records: a --dir shared with other files must not break the listing.
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")
                    && ID.matcher(f.getFileName().toString().replaceFirst("\\.json$", "")).matches()).toList()) {
                out.add(json.readValue(p.toFile(), BackupRecord.class));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the backups in " + dir, e);
        }
        out.sort(Comparator.comparing(BackupRecord::createdAt).reversed());
        return out;
    }

    public BackupRecord get(String id) {
        if (id == null || !ID.matcher(id).matches() || !Files.exists(recordFile(id)) || !Files.exists(file(id))) {
            throw DeployGuardException.notFound("no backup '" + id + "' in " + dir + "; see deployguard backup list"
                    + (Files.isDirectory(dir) ? "" : " (the directory does not exist)"));
        }
        try {
            return json.readValue(recordFile(id).toFile(), BackupRecord.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + recordFile(id), e);
        }
    }

    /** Restores the backup into a scratch target again, compares, and records the result beside it. */
    public BackupRecord verify(String id, BackupKey key) {
        BackupRecord record = get(id);
        Path work = workDir();
        try {
            byte[] file = Files.readAllBytes(file(id));
            BackupRecord updated = record.verified(verifyFile(file, key, id, work));
            writePrivate(recordFile(id), json.writeValueAsBytes(updated));
            return updated;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Replaces the store and state files with the backup's. Refuses while a control plane runs on the state
     * directory, and restores nothing unless the backup first restores into a scratch target and compares equal.
     */
    public Restored restore(String id, BackupKey key, String actor) {
        LiveControlPlane.refuseIfRunning(location.stateDir());
        BackupRecord record = get(id);
        StoreEngine engine = location.engine();
        if (!record.engine().equals(engine.kind())) {
            throw DeployGuardException.badInput("backup " + id + " is of a " + record.engine() + " store but the"
                    + " target is " + engine.kind() + "; restore it with the matching --store-url");
        }
        Path work = workDir();
        try {
            byte[] file = Files.readAllBytes(file(id));
            Contents contents = open(file, key, id);
            BackupRecord.Verification v = compare(contents, engine, work);
            if (!v.ok()) {
                throw new DeployGuardException(ExitCode.FAILURE, "backup " + id + " does not verify (" + v.message()
                        + "); nothing was restored. Pick another: deployguard backup list");
            }
            long t0 = System.nanoTime();
            engine.restoreLive(contents.entries().get(contents.manifest().dumpEntry()), work);
            for (var e : contents.entries().entrySet()) {
                if (e.getKey().startsWith("state/")) {
                    writePrivate(location.stateDir().resolve(e.getKey().substring("state/".length())), e.getValue());
                }
            }
            List<String> diff = contents.manifest().digest().differences(engine.digestLive());
            if (!diff.isEmpty()) {
                throw new DeployGuardException(ExitCode.FAILURE, "the restored store differs from backup " + id
                        + ": " + String.join("; ", diff));
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            // Tells the next control plane start that routers ahead of the store are behind this restore (the
            // server's RouterProcesses.RESTORED_MARKER; the store module cannot name the server's class).
            writePrivate(location.stateDir().resolve("store-restored"), (id + "\n").getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            try (JdbcStore restored = location.embedded() ? JdbcStore.embedded(location.stateDir())
                    : JdbcStore.open(location.url(), location.user(), location.password())) {
                restored.append(Event.of(clock.instant(), null, null, actor, EventKinds.BACKUP_RESTORED, "state"
                        + " restored from backup " + id + " taken " + record.createdAt() + " (" + record.rows()
                        + " rows, " + millis + " ms); the next control plane start re-adopts running apps",
                        eventData(record)));
            }
            return new Restored(record, millis, contents.manifest().stateFiles().keySet().stream().toList());
        } catch (DeployGuardException e) {
            throw e;
        } catch (Exception e) {
            throw new DeployGuardException(ExitCode.FAILURE, "restore of backup " + id + " failed: " + e, e);
        } finally {
            deleteTree(work);
        }
    }

    /** What a restore put back. */
    public record Restored(BackupRecord backup, long restoreMillis, List<String> stateFiles) {
    }

    /**
     * Deletes backups beyond the newest {@code keep} (0: no limit) and those older than {@code maxAge} (null: no
     * limit), but never the newest completed one: retention must not leave nothing to restore.
     */
    public List<String> prune(int keep, Duration maxAge) {
        List<BackupRecord> all = list();
        String newestGood = all.stream().filter(r -> r.status() == BackupRecord.Status.COMPLETED)
                .map(BackupRecord::id).findFirst().orElse(null);
        Instant cutoff = maxAge == null ? null : clock.instant().minus(maxAge);
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            BackupRecord r = all.get(i);
            boolean tooMany = keep > 0 && i >= keep;
            boolean tooOld = cutoff != null && r.createdAt().isBefore(cutoff);
            if ((tooMany || tooOld) && !r.id().equals(newestGood)) {
                try {
                    Files.deleteIfExists(file(r.id()));
                    Files.deleteIfExists(recordFile(r.id()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete backup " + r.id(), e);
                }
                deleted.add(r.id());
            }
        }
        return deleted;
    }

    public Path file(String id) {
        return dir.resolve(id + SUFFIX);
    }

    private Path recordFile(String id) {
        return dir.resolve(id + ".json");
    }

    private record Contents(Manifest manifest, Map<String, byte[]> entries) {
    }

    private Contents open(byte[] file, BackupKey key, String id) throws IOException {
        byte[] body = BackupFile.read(file, key, "backup " + id);
        Map<String, byte[]> entries = unzip(body);
        byte[] manifest = entries.get("manifest.json");
        if (manifest == null) {
            throw DeployGuardException.badInput("backup " + id + " has no manifest.json; nothing was restored");
        }
        Manifest m = json.readValue(manifest, Manifest.class);
        if (!entries.containsKey(m.dumpEntry())) {
            throw DeployGuardException.badInput("backup " + id + " lacks its store dump " + m.dumpEntry());
        }
        return new Contents(m, entries);
    }

    private BackupRecord.Verification verifyFile(byte[] file, BackupKey key, String id, Path work) {
        Instant at = clock.instant();
        try {
            Contents contents = open(file, key, id);
            return compare(contents, scratchEngine(contents.manifest().engine()), work);
        } catch (DeployGuardException e) {
            return new BackupRecord.Verification(at, false, 0, e.getMessage());
        } catch (Exception e) {
            return new BackupRecord.Verification(at, false, 0, e.toString());
        }
    }

    /** An H2 backup verifies in a temp file anywhere; a PostgreSQL one needs a server for its scratch database. */
    private StoreEngine scratchEngine(String kind) {
        if (kind.equals("h2")) {
            return new H2Engine(location.stateDir().resolve("deployguard"));
        }
        if (location.embedded()) {
            throw DeployGuardException.badInput("verifying a " + kind + " backup needs the server to create its"
                    + " scratch database on: give --store-url (and --store-user)");
        }
        return location.engine();
    }

    private BackupRecord.Verification compare(Contents contents, StoreEngine engine, Path work) throws Exception {
        Instant at = clock.instant();
        for (var e : contents.manifest().stateFiles().entrySet()) {
            byte[] bytes = contents.entries().get("state/" + e.getKey());
            if (bytes == null || !hex(BackupFile.sha256(bytes, bytes.length)).equals(e.getValue())) {
                return new BackupRecord.Verification(at, false, 0, "state file " + e.getKey() + " is missing or"
                        + " differs from its recorded SHA-256");
            }
        }
        long t0 = System.nanoTime();
        TableDigest restored;
        try {
            restored = engine.restoreScratch(contents.entries().get(contents.manifest().dumpEntry()), work);
        } catch (DeployGuardException e) {
            return new BackupRecord.Verification(at, false, (System.nanoTime() - t0) / 1_000_000, e.getMessage());
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        List<String> diff = contents.manifest().digest().differences(restored);
        return new BackupRecord.Verification(at, diff.isEmpty(), millis, diff.isEmpty()
                ? "restored into a scratch " + engine.kind() + " database: " + restored.tables().size() + " tables, "
                + restored.totalRows() + " rows, counts and content hashes equal"
                : "restored store differs: " + String.join("; ", diff));
    }

    /** The state directory's tokens and route tables; logs, server.json and the database are not state files. */
    private Map<String, byte[]> stateFiles() throws IOException {
        Path state = location.stateDir();
        Map<String, byte[]> out = new TreeMap<>();
        for (String name : List.of("api.token", "router.token")) {
            if (Files.isRegularFile(state.resolve(name))) {
                out.put(name, Files.readAllBytes(state.resolve(name)));
            }
        }
        Path routers = state.resolve("routers");
        if (Files.isDirectory(routers)) {
            try (Stream<Path> files = Files.list(routers)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".routes.json")).sorted()
                        .toList()) {
                    out.put("routers/" + p.getFileName(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private void writePrivate(Path target, byte[] bytes) throws IOException {
        Path parent = target.getParent();
        if (parent.equals(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            // An existing directory is tightened too: backups hold the API and router tokens.
            Files.setPosixFilePermissions(dir, DIR_MODE);
        } else {
            Files.createDirectories(parent);
        }
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_MODE));
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static Map<String, byte[]> unzip(byte[] body) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (var zip = new ZipInputStream(new ByteArrayInputStream(body))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName();
                if (name.contains("..") || name.startsWith("/")) {
                    throw DeployGuardException.badInput("backup entry '" + name + "' points outside the state"
                            + " directory; refusing it");
                }
                out.put(name, zip.readAllBytes());
            }
        }
        return out;
    }

    private static Map<String, Object> eventData(BackupRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", "store");
        m.put("backup", r.id());
        m.put("engine", r.engine());
        m.put("status", r.status().name());
        m.put("sizeBytes", r.sizeBytes());
        m.put("rows", r.rows());
        if (r.verification() != null) {
            m.put("restoreMillis", r.verification().restoreMillis());
        }
        return m;
    }

    private static Path workDir() {
        try {
            return Files.createTempDirectory("dg-backup", PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp directory for the backup", e);
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless; the OS cleans /tmp.
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
