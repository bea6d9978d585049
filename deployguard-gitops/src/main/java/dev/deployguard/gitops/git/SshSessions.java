package dev.deployguard.gitops.git;

import java.io.File;
import java.nio.file.Path;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * SSH for {@code ssh://} and {@code user@host:path} repositories, through Apache MINA sshd: the keys in
 * {@code ~/.ssh} (id_ed25519, id_ecdsa, id_rsa), {@code ~/.ssh/config}, and host keys checked against
 * {@code ~/.ssh/known_hosts}; with {@code SSH_AUTH_SOCK} set, the keys of the running ssh-agent too.
 */
final class SshSessions {
    private final Path home;
    private final String agentSocket;
    private SshSessionFactory factory;

    SshSessions(Path home, String agentSocket) {
        this.home = home;
        this.agentSocket = agentSocket;
    }

    synchronized SshSessionFactory factory() {
        if (factory == null) {
            File h = home.toFile();
            var builder = new SshdSessionFactoryBuilder()
                    .setHomeDirectory(h)
                    .setSshDirectory(home.resolve(".ssh").toFile());
            if (agentSocket != null && !agentSocket.isBlank()) {
                builder.setConnectorFactory(new AgentConnectors(Path.of(agentSocket)));
            }
            factory = builder.build(null);
        }
        return factory;
    }
}
