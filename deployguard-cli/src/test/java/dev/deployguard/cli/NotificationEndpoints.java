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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real local HTTP endpoints for notification tests: one that records what it receives and answers 204, one that
 * accepts connections and never answers, one that holds every request it receives until the test {@link #release}s
 * it (then answers 204), and a port where nothing listens.
 */
final class NotificationEndpoints implements AutoCloseable {
    /** One request as received. */
    record Received(String path, String authorization, String body) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    /** What the holding endpoint received, in order, whether it has answered yet or not. */
    final List<Received> held = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger answeredByHolder = new AtomicInteger();
    private final HttpServer recorder;
    private final HttpServer holder;
    private final ExecutorService holderThreads = Executors.newCachedThreadPool();
    private final ServerSocket hanging;
    private final List<Socket> hangingSockets = new CopyOnWriteArrayList<>();
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
        holder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        holder.setExecutor(holderThreads);
        holder.createContext("/", ex -> {
            held.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            try {
                released.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answeredByHolder.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        holder.start();
        hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!hanging.isClosed()) {
                try {
                    hangingSockets.add(hanging.accept());
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

    /** Holds each request until {@link #release()}. */
    String holderUrl() {
        return "http://127.0.0.1:" + holder.getAddress().getPort() + "/held";
    }

    /** From now on the holding endpoint answers what it holds, and anything later at once. */
    void release() {
        released.countDown();
    }

    /** How many requests the holding endpoint has answered (none before {@link #release()}). */
    int answeredByHolder() {
        return answeredByHolder.get();
    }

    String downUrl() {
        return "http://127.0.0.1:" + downPort + "/hook";
    }

    int hangingConnections() {
        return hangingSockets.size();
    }

    @Override
    public void close() throws IOException {
        release();
        recorder.stop(0);
        holder.stop(0);
        holderThreads.shutdownNow();
        hanging.close();
        for (Socket s : hangingSockets) {
            s.close();
        }
    }
}
