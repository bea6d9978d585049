package dev.deployguard.store.backup;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL store, dumped with {@code pg_dump -Fc} and restored with {@code pg_restore}, both found on PATH and
 * run without a shell. The dump uses the snapshot the digest was read in ({@code pg_export_snapshot} +
 * {@code --snapshot}), so what is compared after a restore is exactly what was dumped.
 */
final class PostgresEngine implements StoreEngine {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");
    private final Target target;

    /** Connection parameters taken apart from a JDBC URL, for the command-line tools. */
    record Target(String host, int port, String database, String user, String password) {
        static Target parse(String jdbcUrl, String user, String password) {
            URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
            String db = u.getPath() == null || u.getPath().length() < 2 ? "postgres" : u.getPath().substring(1);
            String who = user;
            if (who == null && u.getQuery() != null) {
                for (String kv : u.getQuery().split("&")) {
                    if (kv.startsWith("user=")) {
                        who = kv.substring(5);
                    }
                }
            }
            return new Target(u.getHost() == null ? "127.0.0.1" : u.getHost(), u.getPort() < 0 ? 5432 : u.getPort(),
                    db, who == null ? System.getProperty("user.name") : who, password);
        }

        String url(String db) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + db;
        }

        Connection connect(String db) throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", user);
            if (password != null) {
                p.setProperty("password", password);
            }
            return DriverManager.getConnection(url(db), p);
        }
    }

    PostgresEngine(Target target) {
        this.target = target;
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    @Override
    public String entryName() {
        return "store.pgdump";
    }

    @Override
    public Dump dump(Connection c, Path work) throws Exception {
        Path pgDump = tool("pg_dump");
        int toolMajor = toolMajor(pgDump);
        int serverMajor;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            serverMajor = Integer.parseInt(rs.getString(1)) / 10000;
        }
        if (toolMajor < serverMajor) {
            throw DeployGuardException.badInput(pgDump + " is version " + toolMajor + " but the server runs"
                    + " PostgreSQL " + serverMajor + "; pg_dump cannot dump a newer server: install the client of"
                    + " version " + serverMajor + " or later (Debian: postgresql-client-" + serverMajor
                    + ") and put it first on PATH");
        }
        Path file = work.resolve("store.pgdump");
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            String snapshot;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            TableDigest digest = TableDigest.of(c);
            run(List.of(pgDump.toString(), "-Fc", "--snapshot=" + snapshot, "-h", target.host(), "-p",
                    String.valueOf(target.port()), "-U", target.user(), "-d", target.database(), "-f", file.toString()),
                    "pg_dump");
            return new Dump(Files.readAllBytes(file), digest, Map.of("pg_dump", String.valueOf(toolMajor),
                    "server", String.valueOf(serverMajor)));
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
            Files.deleteIfExists(file);
        }
    }

    @Override
    public TableDigest restoreScratch(byte[] dump, Path work) throws Exception {
        Path file = write(dump, work);
        byte[] random = new byte[6];
        new java.security.SecureRandom().nextBytes(random);
        String scratch = "deployguard_verify_" + HexFormat.of().formatHex(random);
        try (Connection admin = target.connect(target.database()); Statement s = admin.createStatement()) {
            try {
                s.execute("CREATE DATABASE " + scratch);
            } catch (SQLException e) {
                throw new DeployGuardException(ExitCode.FAILURE, "cannot create the scratch database " + scratch
                        + " to verify the backup: " + e.getMessage() + "; the store's user needs CREATEDB"
                        + " (ALTER ROLE " + target.user() + " CREATEDB)");
            }
            try {
                restore(file, scratch, false);
                try (Connection c = target.connect(scratch)) {
                    return TableDigest.of(c);
                }
            } finally {
                s.execute("DROP DATABASE IF EXISTS " + scratch);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public void restoreLive(byte[] dump, Path work) throws Exception {
        Path file = write(dump, work);
        try {
            // --single-transaction: a failure half-way leaves the store as it was.
            restore(file, target.database(), true);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public TableDigest digestLive() throws SQLException {
        try (Connection c = target.connect(target.database())) {
            return TableDigest.of(c);
        }
    }

    private void restore(Path file, String database, boolean clean) throws Exception {
        Path pgRestore = tool("pg_restore");
        // Reads only the archive's table of contents: a file that is no pg_dump archive stops here.
        run(List.of(pgRestore.toString(), "--list", file.toString()), "pg_restore --list");
        List<String> cmd = new ArrayList<>(List.of(pgRestore.toString(), "--no-owner", "--no-privileges",
                "--exit-on-error", "--single-transaction"));
        if (clean) {
            cmd.addAll(List.of("--clean", "--if-exists"));
        }
        cmd.addAll(List.of("-h", target.host(), "-p", String.valueOf(target.port()), "-U", target.user(), "-d",
                database, file.toString()));
        run(cmd, "pg_restore");
    }

    private static Path write(byte[] dump, Path work) throws IOException {
        Path file = work.resolve("restore.pgdump");
        Files.write(file, dump);
        return file;
    }

    /** The first executable named {@code name} on PATH. */
    static Path tool(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        throw new DeployGuardException(ExitCode.FAILURE, name + " was not found on PATH; install the PostgreSQL"
                + " client (Debian: postgresql-client) or put its bin directory on PATH");
    }

    private int toolMajor(Path tool) throws Exception {
        String out = run(List.of(tool.toString(), "--version"), tool.getFileName().toString());
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot read the version of " + tool + " from '"
                    + out.strip() + "'");
        }
        return Integer.parseInt(m.group(1));
    }

    private String run(List<String> cmd, String what) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (target.password() != null) {
            // The password goes to the child's environment only, never onto its command line.
            pb.environment().put("PGPASSWORD", target.password());
        }
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new DeployGuardException(ExitCode.FAILURE, what + " did not finish within 30 minutes");
        }
        if (p.exitValue() != 0) {
            throw DeployGuardException.badInput(what + " failed (exit " + p.exitValue() + "): "
                    + out.strip().lines().limit(5).reduce((a, b) -> a + " / " + b).orElse("")
                    + (what.startsWith("pg_restore") ? "; nothing was restored" : ""));
        }
        return out;
    }
}
