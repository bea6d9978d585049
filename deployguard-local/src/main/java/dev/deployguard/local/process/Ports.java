package dev.deployguard.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.Deque;

/** Free loopback ports for instances; remembers recent picks so two starts in a row never get the same port. */
public final class Ports {
    private static final Deque<Integer> RECENT = new ArrayDeque<>();

    private Ports() {
    }

    public static synchronized int freeLoopbackPort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (var s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = s.getLocalPort();
                if (!RECENT.contains(port)) {
                    RECENT.addLast(port);
                    if (RECENT.size() > 256) {
                        RECENT.removeFirst();
                    }
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free loopback port", e);
            }
        }
        throw new IllegalStateException("no free loopback port after 50 attempts");
    }

    /** True when nothing accepts connections on host:port. */
    public static boolean isFree(String host, int port) {
        try (var s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
