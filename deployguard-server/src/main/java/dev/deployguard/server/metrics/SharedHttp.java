package dev.deployguard.server.metrics;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP clients metric sources share. Every running rollout has its own source; with a client each, 1,000
 * rollouts held 1,000 JDK HTTP clients (a selector thread and a connection pool apiece) and no connection to the
 * metrics backend was ever reused across rollouts. One client per connect timeout and redirect policy instead.
 */
final class SharedHttp {
    private record Key(Duration connectTimeout, HttpClient.Redirect redirect) {
    }

    private static final Map<Key, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private SharedHttp() {
    }

    static HttpClient client(Duration connectTimeout, HttpClient.Redirect redirect) {
        return CLIENTS.computeIfAbsent(new Key(connectTimeout, redirect), k -> HttpClient.newBuilder()
                .connectTimeout(k.connectTimeout()).followRedirects(k.redirect()).build());
    }
}
