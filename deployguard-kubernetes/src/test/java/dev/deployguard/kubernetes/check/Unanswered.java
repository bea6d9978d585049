package dev.deployguard.kubernetes.check;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support for "cannot tell": a client of a closed port (unreachable API server), a server on 127.0.0.1 that
 * accepts connections and never answers (a hung API server), and the Status body a real API server sends with 403.
 */
final class Unanswered implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> accepted = new ArrayList<>();
    private final Thread acceptor;

    private Unanswered() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptForever, "silent-api-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A server that reads requests and never answers. */
    static Unanswered silentServer() throws IOException {
        return new Unanswered();
    }

    String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void acceptForever() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                synchronized (accepted) {
                    accepted.add(s);
                }
                InputStream in = s.getInputStream();
                Thread reader = new Thread(() -> {
                    try {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // the client gave up: expected
                    }
                }, "silent-api-server-reader");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /**
     * A client with fabric8's default request timeout (10 s) and retries (10, backing off from 100 ms), as an app's
     * kubeconfig gives it: the checks must bound it by their own timeout.
     */
    static KubernetesClient client(String url) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url).build()).build();
    }

    /** A client of a port nothing listens on. */
    static KubernetesClient unreachable() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return client("http://127.0.0.1:" + port);
    }

    /** The Status a real API server returns when RBAC denies a request. */
    static Status forbidden(String verb, String resource, String namespace) {
        String scope = namespace == null ? "at the cluster scope" : "in the namespace \"" + namespace + "\"";
        return new StatusBuilder().withStatus("Failure").withReason("Forbidden").withCode(403)
                .withMessage(resource + " is forbidden: User \"system:serviceaccount:deploy:deployguard\" cannot "
                        + verb + " resource \"" + resource + "\" in API group \"\" " + scope)
                .withNewDetails().withKind(resource).endDetails().build();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        synchronized (accepted) {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
