package dev.deployguard.kubernetes.etcd;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A one-member etcd started on a restored data directory, on free loopback ports, to prove a snapshot restores and
 * to compare what it serves. Closing it stops the process.
 */
final class ScratchMember implements AutoCloseable {
    static final String NAME = "deployguard-verify";
    private final Process process;
    private final String clientUrl;
    private final Path log;

    private ScratchMember(Process process, String clientUrl, Path log) {
        this.process = process;
        this.clientUrl = clientUrl;
        this.log = log;
    }

    /** Two free loopback ports: client and peer. */
    static int[] freePorts() {
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot find free loopback ports: " + e.getMessage(), e);
        }
    }

    static String peerUrl(int port) {
        return "http://127.0.0.1:" + port;
    }

    /** Starts etcd on {@code dataDir} (already restored for {@link #NAME} at the peer port) and waits until healthy. */
    static ScratchMember start(Path dataDir, int clientPort, int peerPort, Duration timeout) {
        return start(dataDir, List.of("http://127.0.0.1:" + clientPort), peerPort, timeout, List.of());
    }

    /**
     * Starts etcd listening for clients on {@code clientUrls} (the first plain HTTP: health is read there) with
     * {@code extraArgs} (TLS files, for instance).
     */
    static ScratchMember start(Path dataDir, List<String> clientUrls, int peerPort, Duration timeout,
                               List<String> extraArgs) {
        String client = clientUrls.get(0);
        String urls = String.join(",", clientUrls);
        String peer = peerUrl(peerPort);
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        List<String> cmd = new java.util.ArrayList<>(List.of(EtcdTools.etcd().toString(), "--name", NAME,
                "--data-dir", dataDir.toString(), "--listen-client-urls", urls, "--advertise-client-urls", urls,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", NAME + "=" + peer));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot start a scratch etcd: " + e.getMessage(), e);
        }
        ScratchMember m = new ScratchMember(p, client, log);
        try {
            m.awaitHealthy(timeout);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    String clientUrl() {
        return clientUrl;
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new DeployGuardException(ExitCode.FAILURE, "the scratch etcd on the restored data exited "
                        + process.exitValue() + ": " + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(clientUrl + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeployGuardException(ExitCode.FAILURE, "interrupted while the scratch etcd started", e);
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS); // returns at once if it exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeployGuardException(ExitCode.FAILURE, "interrupted while the scratch etcd started", e);
            }
        }
        throw new DeployGuardException(ExitCode.FAILURE, "the scratch etcd on the restored data was not healthy"
                + " within " + timeout.toSeconds() + " s (" + last + "): " + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
