package dev.deployguard.gitops.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;

/**
 * An SSH server on 127.0.0.1 (Apache MINA sshd, which JGit's SSH client is built on) that lets in one public key and
 * runs the Debian {@code git upload-pack} / {@code git receive-pack} on the bare repositories under a root, as a git
 * host's SSH endpoint does.
 */
public final class GitSshServer implements AutoCloseable {
    private final SshServer server;
    private final PublicKey hostKey;

    public GitSshServer(Path root, PublicKey allowed) throws IOException {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        var keys = new SimpleGeneratorHostKeyProvider(root.resolve("ssh-host-key.ser"));
        keys.setAlgorithm(KeyUtils.EC_ALGORITHM);
        KeyPair pair = keys.loadKeys(null).iterator().next();
        hostKey = pair.getPublic();
        server.setKeyPairProvider(keys);
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(allowed, key));
        server.setCommandFactory((channel, command) -> new GitCommand(root, command));
        server.start();
    }

    public int port() {
        return server.getPort();
    }

    /** The line for {@code ~/.ssh/known_hosts} that makes the client trust this server. */
    public String knownHostsLine() {
        return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey);
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    /** {@code git-upload-pack '/name.git'} or {@code git-receive-pack '/name.git'} as a process, streams piped. */
    private static final class GitCommand implements Command {
        private final Path root;
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private Process process;

        GitCommand(Path root, String command) {
            this.root = root;
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            String[] parts = command.split(" ", 2);
            String verb = parts[0];
            if (parts.length < 2 || !(verb.equals("git-upload-pack") || verb.equals("git-receive-pack"))) {
                err.write(("unsupported command: " + command + "\n").getBytes());
                err.flush();
                exit.onExit(1);
                return;
            }
            String repo = parts[1].replace("'", "").replaceFirst("^/+", "");
            Path dir = root.resolve(repo).normalize();
            if (!dir.startsWith(root)) {
                exit.onExit(1);
                return;
            }
            ProcessBuilder pb = new ProcessBuilder("git", verb.substring(4), dir.toString());
            pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
            process = pb.start();
            Thread input = new Thread(() -> copy(in, process.getOutputStream(), true), "ssh-git-in");
            input.setDaemon(true);
            input.start();
            Thread errors = new Thread(() -> copy(process.getErrorStream(), err, false), "ssh-git-err");
            errors.setDaemon(true);
            errors.start();
            Thread output = new Thread(() -> {
                copy(process.getInputStream(), out, false);
                try {
                    int code = process.waitFor();
                    errors.join(5000);
                    exit.onExit(code);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ssh-git-out");
            output.setDaemon(true);
            output.start();
        }

        private static void copy(InputStream from, OutputStream to, boolean closeAfter) {
            byte[] buffer = new byte[8192];
            try {
                for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                    to.write(buffer, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // The other side went away: the process or the channel ends the exchange.
            } finally {
                if (closeAfter) {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }
        }

        @Override
        public void destroy(ChannelSession channel) {
            if (process != null) {
                process.destroy();
            }
        }
    }
}
