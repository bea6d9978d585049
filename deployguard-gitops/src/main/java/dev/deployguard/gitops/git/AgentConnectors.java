package dev.deployguard.gitops.git;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.eclipse.jgit.transport.sshd.agent.AbstractConnector;
import org.eclipse.jgit.transport.sshd.agent.Connector;
import org.eclipse.jgit.transport.sshd.agent.ConnectorFactory;

/**
 * ssh-agent over its Unix domain socket with the JDK's own socket channel (JGit's agent module needs JNA and is not
 * published for this JGit version): the agent's keys sign the SSH login, the keys never enter this process.
 */
final class AgentConnectors implements ConnectorFactory {
    private final Path socket;

    AgentConnectors(Path socket) {
        this.socket = socket;
    }

    @Override
    public Connector create(String identityAgent, File homeDir) {
        Path p = identityAgent == null || identityAgent.isBlank() || identityAgent.equals("SSH_AUTH_SOCK") ? socket
                : Path.of(identityAgent);
        return new UnixAgent(p);
    }

    @Override
    public boolean isSupported() {
        return true;
    }

    @Override
    public String getName() {
        return "deployguard-unix-agent";
    }

    @Override
    public Collection<ConnectorDescriptor> getSupportedConnectors() {
        return List.of(getDefaultConnector());
    }

    @Override
    public ConnectorDescriptor getDefaultConnector() {
        return new ConnectorDescriptor() {
            @Override
            public String getIdentityAgent() {
                return "SSH_AUTH_SOCK";
            }

            @Override
            public String getDisplayName() {
                return "ssh-agent (SSH_AUTH_SOCK)";
            }
        };
    }

    /** One connection to the agent; {@link #rpc} sends a request and reads its answer (RFC draft-miller-ssh-agent). */
    static final class UnixAgent extends AbstractConnector {
        private final Path socket;
        private SocketChannel channel;

        UnixAgent(Path socket) {
            this.socket = socket;
        }

        @Override
        public synchronized boolean connect() throws IOException {
            if (channel != null) {
                return true;
            }
            if (!socket.toFile().exists()) {
                return false;
            }
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                c.close();
                return false;
            }
            channel = c;
            return true;
        }

        @Override
        public synchronized byte[] rpc(byte command, byte[] message) throws IOException {
            if (channel == null) {
                throw new IOException("not connected to the ssh-agent");
            }
            prepareMessage(command, message);
            ByteBuffer out = ByteBuffer.wrap(message);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            byte[] length = new byte[4];
            readFully(ByteBuffer.wrap(length));
            byte[] reply = new byte[toLength(command, length)];
            readFully(ByteBuffer.wrap(reply));
            return reply;
        }

        private void readFully(ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new IOException("the ssh-agent closed the connection");
                }
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }
}
