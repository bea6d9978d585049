package dev.deployguard.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Real local HTTP endpoints for notification tests: one that records what it receives and answers 204, one that
 * accepts connections and never answers, and a port where nothing listens.
 */
final class NotificationEndpoints implements AutoCloseable {
    /** One request as received. */
    record Received(String path, String authorization, String body) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer recorder;
    private final ServerSocket hanging;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    final int downPort;

    NotificationEndpoints() throws IOException {
        recorder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        recorder.createContext("/", ex -> {
            received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        recorder.start();
        hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!hanging.isClosed()) {
                try {
                    held.add(hanging.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "hanging-endpoint");
        acceptor.setDaemon(true);
        acceptor.start();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            downPort = s.getLocalPort();
        }
    }

    String recorderUrl(String path) {
        return "http://127.0.0.1:" + recorder.getAddress().getPort() + path;
    }

    String hangingUrl() {
        return "http://127.0.0.1:" + hanging.getLocalPort() + "/hook";
    }

    String downUrl() {
        return "http://127.0.0.1:" + downPort + "/hook";
    }

    int hangingConnections() {
        return held.size();
    }

    @Override
    public void close() throws IOException {
        recorder.stop(0);
        hanging.close();
        for (Socket s : held) {
            s.close();
        }
    }
}
