package dev.deployguard.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The workload the {@code ./deployguard} launcher runs once after each build with {@code -XX:ArchiveClassesAtExit}:
 * read commands against a stand-in control plane on loopback, so the class-data archive holds the classes every
 * read command loads (the command tree, the HTTP client, JSON and YAML, the tables) whatever the first real command
 * after the build happens to be. Not a command: it prints nothing and exits 0.
 */
final class CdsTraining {
    private static final Map<String, String> ANSWERS = Map.of(
            "/api/apps/demo/status", "{\"app\":\"demo\",\"serving\":{\"revision\":1,\"version\":\"v1\","
                    + "\"createdAt\":\"2026-12-07T05:00:00Z\"},\"instances\":[{\"revision\":1,\"index\":0,\"pid\":1,"
                    + "\"port\":1,\"alive\":true,\"startedAt\":\"2026-12-07T05:00:00Z\"}],\"routes\":null,"
                    + "\"router\":null,\"lock\":null,\"rollout\":null}",
            "/api/apps/demo/history", "{\"app\":\"demo\",\"releases\":[{\"revision\":1,\"version\":\"v1\","
                    + "\"status\":\"DEPLOYED\",\"changeCause\":null,\"createdAt\":\"2026-12-07T05:00:00Z\","
                    + "\"actor\":\"a\"}]}",
            "/api/apps/demo/events", "{\"events\":[{\"id\":1,\"at\":\"2026-12-07T05:00:00Z\",\"app\":\"demo\","
                    + "\"revision\":1,\"actor\":\"a\",\"kind\":\"deploy.started\",\"message\":\"m\",\"data\":{}}]}");

    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = ANSWERS.getOrDefault(exchange.getRequestURI().getPath(), "{\"error\":\"no\",\"exitCode\":6}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(ANSWERS.containsKey(exchange.getRequestURI().getPath()) ? 200 : 404,
                    body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        System.setOut(nowhere);
        System.setErr(nowhere);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            DeployGuard.run("--help");
            for (String[] cmd : new String[][] {{"status", "demo"}, {"status", "demo", "-o", "json"},
                    {"history", "demo", "-o", "yaml"}, {"events", "demo"}, {"logs", "nope"}}) {
                String[] full = new String[cmd.length + 4];
                full[0] = "--server";
                full[1] = url;
                full[2] = "--token";
                full[3] = "training";
                System.arraycopy(cmd, 0, full, 4, cmd.length);
                DeployGuard.run(full);
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            server.stop(0);
        }
    }
}
