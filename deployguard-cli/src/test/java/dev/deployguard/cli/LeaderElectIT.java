package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import dev.deployguard.local.process.Ports;
import dev.deployguard.store.PostgresServer;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard server --leader-elect} as a real process, reaching the mock API server through KUBECONFIG, while
 * another replica ("replica-a", written by the test) holds the Lease: the CLI's changes are refused with exit code 5
 * and the leader's name, reads work, and once the other's lease runs out this server leads and accepts them. Its
 * Pod (named by POD_NAME, as the downward API does in deploy/kubernetes) is labelled follower, then leader, then
 * follower again when it stops.
 */
class LeaderElectIT {
    @TempDir
    Path dir;
    private PostgresServer pg;
    private CrudApiServer kube;
    private Process server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        if (kube != null) {
            kube.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aFollowerRefusesChangesNamingTheLeaderAndAcceptsThemOnceItLeads() throws Exception {
        pg = PostgresServer.start();
        kube = new CrudApiServer();
        KubernetesClient k = kube.newClient();
        k.resource(new LeaseBuilder().withNewMetadata().withName("deployguard-control-plane")
                .withNamespace("deployguard").endMetadata().withNewSpec().withHolderIdentity("replica-a")
                .withLeaseDurationSeconds(3600).withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now())
                .withLeaseTransitions(0).endSpec().build()).create();
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s"}
                contexts:
                - name: mock
                  context: {cluster: mock, user: tester, namespace: deployguard}
                users:
                - name: tester
                  user: {token: not-a-secret}
                current-context: mock
                """.formatted(kube.url()));
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["java", "-version", "${port}"]
                        listen: 127.0.0.1:%d
                """.formatted(Ports.freeLoopbackPort()));
        // This replica's Pod, with a leader label left over from a previous container of the same Pod.
        k.resource(new PodBuilder().withNewMetadata().withName("deployguard-7f9c-b").withNamespace("deployguard")
                .addToLabels("app.kubernetes.io/name", "deployguard").addToLabels("deployguard.dev/role", "leader")
                .endMetadata().build()).create();
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        Path log = dir.resolve("server.log");
        // No --lease-namespace: the kubeconfig context's namespace, where replica-a holds the Lease.
        var pb = new ProcessBuilder(Harness.java(), "-Xmx256m", "-XX:+UseSerialGC", "-cp", Harness.classPath(),
                DeployGuard.class.getName(), "--state-dir", state.toString(), "server", "-f", spec.toString(),
                "--listen", "127.0.0.1:0", "--store-url", pg.url(), "--store-user", "postgres", "--leader-elect",
                "--lease-duration", "4s", "--renew-deadline", "3s", "--retry-period", "500ms");
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("POD_NAME", "deployguard-7f9c-b");
        pb.environment().remove("KUBERNETES_SERVICE_HOST");
        server = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // A hang guard, as Harness.startServer's: at load 40 (CI beside four other builds) 60 s were not enough.
        Harness.await(Duration.ofSeconds(180), () -> {
            if (!server.isAlive()) {
                throw new AssertionError("server exited: " + Harness.read(log));
            }
            return Files.exists(state.resolve("server.json"));
        });
        String url = Json.mapper().readTree(state.resolve("server.json").toFile()).path("url").asText();
        // The banner is printed after server.json is written (a loaded machine can be between the two): wait for it.
        String banner = "leader election on Lease deployguard/deployguard-control-plane"
                + " (lease 4s, renew deadline 3s, retry 500ms), role label on Pod deployguard/deployguard-7f9c-b";
        try {
            Harness.await(Duration.ofSeconds(30), () -> Harness.read(log).contains(banner));
        } catch (AssertionError e) {
            throw new AssertionError("no '" + banner + "' in the server's log:\n" + Harness.read(log), e);
        }
        assertThat(role(url)).isEqualTo("follower");
        // The stale leader label is cleared: the server waits for that write only up to the renew deadline (3 s) before
        // standing, so on a loaded machine it can land after server.json; wait for the label itself.
        Harness.await(Duration.ofSeconds(15), () -> "follower".equals(podRole(k)));

        // A change is refused with exit code 5, naming the Lease holder (once the server has read the Lease).
        List<String> refusals = new ArrayList<>();
        Harness.await(Duration.ofSeconds(15), () -> {
            Result r = cli(state, "deploy", "web", "--version", "v1");
            assertThat(r.exit).as(r.out).isEqualTo(5);
            refusals.add(r.out);
            return r.out.contains("the leader is replica-a");
        });
        assertThat(refusals.get(refusals.size() - 1)).contains("is a follower and does not make changes");
        Result incident = cli(state, "incident", "open", "web", "--title", "checkout returns 500");
        assertThat(incident.exit).as(incident.out).isEqualTo(5);
        assertThat(incident.out).contains("the leader is replica-a");
        // Reads are served.
        Result history = cli(state, "history", "web");
        assertThat(history.exit).as(history.out).isZero();

        // replica-a stops renewing and its lease runs out: this server takes over and accepts the change.
        Lease lease = k.resources(Lease.class).inNamespace("deployguard").withName("deployguard-control-plane").get();
        lease.getSpec().setLeaseDurationSeconds(1);
        lease.getSpec().setRenewTime(ZonedDateTime.now().minusSeconds(5));
        k.resource(lease).update();
        Harness.await(Duration.ofSeconds(20), () -> "leader".equals(role(url)));
        Harness.await(Duration.ofSeconds(5), () -> "leader".equals(podRole(k)));
        assertThat(k.resources(Lease.class).inNamespace("deployguard").withName("deployguard-control-plane").get()
                .getSpec().getHolderIdentity()).endsWith("_" + server.pid());
        incident = cli(state, "incident", "open", "web", "--title", "checkout returns 500");
        assertThat(incident.exit).as(incident.out).isZero();

        // Stopped (SIGTERM, as Kubernetes does), it labels its Pod follower on the way out.
        server.destroy();
        assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(podRole(k)).isEqualTo("follower");
    }

    private static String podRole(KubernetesClient k) {
        return k.pods().inNamespace("deployguard").withName("deployguard-7f9c-b").get().getMetadata().getLabels()
                .get("deployguard.dev/role");
    }

    private record Result(int exit, String out) {
    }

    private Result cli(Path state, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Harness.java(), "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", Harness.classPath(), DeployGuard.class.getName(), "--state-dir",
                state.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new Result(p.exitValue(), out);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String role(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url
                    + "/api/health")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode n = Json.mapper().readTree(r.body());
            return n.path("role").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
