package dev.deployguard.kubernetes.etcd;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The etcd binaries found on {@code PATH}: {@code etcdutl} (etcd 3.5+, which restores data files) or else
 * {@code etcdctl} (etcd 3.4, whose {@code snapshot restore} does the same), and {@code etcd} for a scratch member.
 * Every run is an argument list, never a shell string.
 */
public final class EtcdTools {
    private final Path restoreTool;
    private final boolean etcdutl;

    private EtcdTools(Path restoreTool, boolean etcdutl) {
        this.restoreTool = restoreTool;
        this.etcdutl = etcdutl;
    }

    /** The tools on {@code PATH}; a clear error naming the Debian packages when neither restore tool is there. */
    public static EtcdTools onPath() {
        Optional<Path> utl = find("etcdutl");
        if (utl.isPresent()) {
            return new EtcdTools(utl.get(), true);
        }
        Path ctl = find("etcdctl").orElseThrow(() -> new DeployGuardException(ExitCode.BAD_INPUT, "neither etcdutl"
                + " (etcd 3.5+) nor etcdctl (etcd 3.4) is on PATH: install etcd's tools (Debian: etcd-client)"));
        return new EtcdTools(ctl, false);
    }

    /** {@code etcd} itself, for a scratch member; a clear error naming the Debian package when it is missing. */
    public static Path etcd() {
        return find("etcd").orElseThrow(() -> new DeployGuardException(ExitCode.BAD_INPUT, "etcd is not on PATH:"
                + " verifying a snapshot starts a scratch member (Debian: etcd-server)"));
    }

    static Optional<Path> find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether revisions can be bumped on restore ({@code etcdutl --bump-revision --mark-compacted}). */
    public boolean canBumpRevision() {
        return etcdutl;
    }

    public Path restoreTool() {
        return restoreTool;
    }

    /**
     * {@code snapshot restore} of {@code snapshot} into the new directory {@code dataDir} for a one-member cluster
     * {@code name} at {@code peerUrl}; {@code bumpRevision} > 0 raises every revision by that much and marks the
     * old ones compacted, so watchers of the old cluster re-list instead of missing changes.
     */
    void restore(Path snapshot, Path dataDir, String name, String peerUrl, long bumpRevision) {
        List<String> cmd = new ArrayList<>(List.of(restoreTool.toString(), "snapshot", "restore",
                snapshot.toString(), "--data-dir", dataDir.toString(), "--name", name,
                "--initial-cluster", name + "=" + peerUrl, "--initial-advertise-peer-urls", peerUrl));
        if (bumpRevision > 0) {
            if (!etcdutl) {
                throw DeployGuardException.badInput("--bump-revision needs etcdutl (etcd 3.5.10 or later);"
                        + " this host has only etcdctl " + restoreTool + " (etcd 3.4), whose restore cannot bump"
                        + " revisions: restart the API servers after the restore instead (see docs/backup.md)");
            }
            cmd.addAll(List.of("--bump-revision", Long.toString(bumpRevision), "--mark-compacted"));
        }
        run(cmd, "restore etcd snapshot " + snapshot + " into " + dataDir);
    }

    static String run(List<String> cmd, String what) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new DeployGuardException(ExitCode.FAILURE, "cannot " + what + ": " + cmd.get(0)
                        + " did not finish in 5 minutes");
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new DeployGuardException(ExitCode.FAILURE, "cannot " + what + ": " + cmd.get(0) + " exited "
                        + p.exitValue() + (text.isEmpty() ? "" : ": " + lastLines(text, 5)));
            }
            return text;
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "cannot " + what + ": interrupted", e);
        }
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - n), lines.length));
    }
}
