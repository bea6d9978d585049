package dev.deployguard.store.schema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A configured migration command run as an argument list (never through a shell): {@code ${target}} becomes the
 * highest version to run (empty for all), {@code ${phase}} expand or contract; the database credentials are handed
 * over in the environment under the names the spec gives. Output is kept (at most 64 KiB) with secrets masked.
 */
public final class MigrationCommand {
    private static final int MAX_OUTPUT = 64 * 1024;

    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workingDir;
    private final Duration timeout;
    private final Secrets secrets;

    public MigrationCommand(List<String> command, Map<String, String> environment, Path workingDir, Duration timeout,
                            Secrets secrets) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.workingDir = workingDir;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    /** Runs the command for one phase; a non-zero exit, a timeout or a command that cannot start is a failed run. */
    public MigrationRun run(String phase, String target, List<String> versions) {
        List<String> args = command.stream()
                .map(a -> a.replace("${target}", target == null ? "" : target).replace("${phase}", phase)).toList();
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
        if (workingDir != null) {
            pb.directory(workingDir.toFile());
        }
        pb.environment().putAll(environment);
        pb.environment().put("DEPLOYGUARD_MIGRATION_PHASE", phase);
        pb.environment().put("DEPLOYGUARD_MIGRATION_TARGET", target == null ? "" : target);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new MigrationRun(phase, false, List.of(), secrets.mask("cannot start " + args.get(0) + ": "
                    + e.getMessage()));
        }
        try {
            p.getOutputStream().close();
            var out = new java.io.ByteArrayOutputStream();
            // Read on another thread so a command that hangs with its output open still meets the timeout.
            Thread reader = new Thread(() -> readBounded(p, out), "migration-output");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(2_000);
                return new MigrationRun(phase, false, List.of(), secrets.mask(text(out)
                        + "\nstopped after " + timeout.toSeconds() + " s"));
            }
            reader.join(5_000);
            String text = secrets.mask(text(out)).strip();
            int code = p.exitValue();
            return code == 0 ? new MigrationRun(phase, true, versions, text)
                    : new MigrationRun(phase, false, List.of(), text + "\n" + args.get(0) + " exited with " + code);
        } catch (IOException e) {
            p.destroyForcibly();
            return new MigrationRun(phase, false, List.of(), secrets.mask("talking to " + args.get(0)
                    + " failed: " + e.getMessage()));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new MigrationRun(phase, false, List.of(), "interrupted");
        }
    }

    private static void readBounded(Process p, java.io.ByteArrayOutputStream buf) {
        byte[] chunk = new byte[8192];
        try (var in = p.getInputStream()) {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                synchronized (buf) {
                    if (buf.size() < MAX_OUTPUT) {
                        buf.write(chunk, 0, Math.min(n, MAX_OUTPUT - buf.size()));
                    }
                }
            }
        } catch (IOException e) {
            // The process was stopped; what was read is kept.
        }
    }

    private static String text(java.io.ByteArrayOutputStream buf) {
        synchronized (buf) {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
