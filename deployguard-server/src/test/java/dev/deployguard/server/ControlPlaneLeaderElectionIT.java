package dev.deployguard.server;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.leader.ControlPlaneLeadership;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import dev.deployguard.server.api.ApiServer;
import dev.deployguard.store.PostgresServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control-plane replicas, each with its own state directory, API server and Kubernetes client, sharing one real
 * PostgreSQL store and one Lease on the fabric8 mock API server, as two pods of the install manifests do.
 */
class ControlPlaneLeaderElectionIT {
    private static final ControlPlaneLeadership.Timing FAST = new ControlPlaneLeadership.Timing(
            Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(250));
    private static final String NAMESPACE = "deployguard";
    private static final String LEASE = "deployguard-control-plane";

    private static PostgresServer pg;

    @TempDir
    Path dir;
    private CrudApiServer kube;
    private Path spec;
    private final List<Replica> replicas = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    /** One replica: control plane, its API on a free loopback port, its own client of the API server. */
    private final class Replica {
        final String identity;
        final KubernetesClient client;
        final ControlPlane cp;
        final ApiServer api;

        Replica(String identity) {
            this.identity = identity;
            this.client = kube.newClient();
            this.cp = new ControlPlane(new ControlPlane.Config(dir.resolve(identity), spec, pg.url(), "postgres",
                    null), Clock.systemUTC());
            replicas.add(this);
            cp.start(new ControlPlaneLeadership(client, NAMESPACE, LEASE, identity, FAST));
            this.api = new ApiServer(cp, "127.0.0.1", 0, false);
            api.start();
        }

        HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
            var b = HttpRequest.newBuilder(URI.create(api.url() + path)).header("Authorization", "Bearer "
                    + cp.apiToken()).timeout(Duration.ofSeconds(30));
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        void close() {
            api.close();
            cp.close();
        }
    }

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        pg.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        kube = new CrudApiServer();
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["java", "-version", "${port}"]
                        listen: 127.0.0.1:%d
                """.formatted(port));
    }

    @AfterEach
    void tearDown() {
        replicas.forEach(Replica::close);
        kube.close();
    }

    @Test
    void onlyTheLeaseHolderActsAndAFollowerTakesOverWhenTheLeaderIsCutOff() throws Exception {
        Replica a = new Replica("replica-a");
        await(Duration.ofSeconds(10), () -> "leader".equals(a.cp.role()));
        Replica b = new Replica("replica-b");
        await(Duration.ofSeconds(10), () -> "replica-a".equals(currentLeader(b)));
        assertThat(b.cp.role()).isEqualTo("follower");
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-a");

        // A supervises; B, a follower, does not.
        long aRounds = a.cp.supervisionRounds();
        await(Duration.ofSeconds(10), () -> a.cp.supervisionRounds() >= aRounds + 3);
        assertThat(b.cp.supervisionRounds()).isZero();

        // B refuses changes, naming the leader, with 503 and exit code 5 (what the CLI shows and exits with).
        String incident = "{\"app\":\"web\",\"title\":\"checkout returns 500\"}";
        for (String[] change : List.of(new String[] {"/api/incidents", incident},
                new String[] {"/api/apps/web/deploy", "{\"version\":\"v1\"}"},
                new String[] {"/api/apps/web/rollback", "{}"}, new String[] {"/api/apps/web/abort", "{}"})) {
            HttpResponse<String> refused = b.call("POST", change[0], change[1]);
            assertThat(refused.statusCode()).as(change[0]).isEqualTo(503);
            JsonNode body = Json.mapper().readTree(refused.body());
            assertThat(body.path("exitCode").asInt()).isEqualTo(5);
            assertThat(body.path("leader").asText()).isEqualTo("replica-a");
            assertThat(body.path("error").asText()).contains("replica-b", "is a follower", "the leader is replica-a");
        }
        // ... and changed nothing, while it serves reads from the shared store.
        assertThat(b.cp.store().events(null, 0, null, 1000)).extracting(Event::kind)
                .doesNotContain(EventKinds.INCIDENT_OPENED, "deploy.started");
        HttpResponse<String> health = b.call("GET", "/api/health", null);
        assertThat(Json.mapper().readTree(health.body()).path("role").asText()).isEqualTo("follower");
        HttpResponse<String> opened = a.call("POST", "/api/incidents", incident);
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
        HttpResponse<String> seen = b.call("GET", "/api/incidents?app=web", null);
        assertThat(seen.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(seen.body()).path("incidents")).hasSize(1);
        // The checklist only reads: any replica runs it.
        assertThat(b.call("POST", "/api/apps/web/check", "{\"version\":\"v1\"}").statusCode()).isNotEqualTo(503);

        // Cut A off from the API server (as a network partition would): it can no longer renew.
        long cut = System.nanoTime();
        a.client.close();
        // A's last renewal as the API server holds it (a renewal still in flight could only make it later).
        var lastRenewedByA = lease().getSpec().getRenewTime();
        await(FAST.leaseDuration().plus(Duration.ofSeconds(5)), () -> "leader".equals(b.cp.role()));
        Duration handover = Duration.ofNanos(System.nanoTime() - cut);
        // B's role flips when it wins the lease; its leading work (and the event saying so) runs just after, on its
        // own thread: wait for that event rather than read the log at once.
        await(Duration.ofSeconds(10), () -> b.cp.store().events(null, 0, null, 10_000).stream().anyMatch(e ->
                e.kind().equals(EventKinds.CONTROL_PLANE_LEADING) && e.message().contains("replica replica-b ")));
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-b");
        assertThat(a.cp.role()).isEqualTo("follower");
        // A stopped its tickers before B started acting: the shared event log says so in order.
        List<Event> events = b.cp.store().events(null, 0, null, 10_000);
        Instant aStopped = at(events, EventKinds.CONTROL_PLANE_FOLLOWING, "replica-a");
        Instant bLeads = at(events, EventKinds.CONTROL_PLANE_LEADING, "replica-b");
        assertThat(aStopped).isBeforeOrEqualTo(bLeads);
        // The lease was not released: B took it only once it had run out, a lease duration after A's last renewal
        // (read from the Lease's own times, so no stopwatch on a busy machine decides it).
        assertThat(lease().getSpec().getAcquireTime())
                .isAfterOrEqualTo(lastRenewedByA.plus(FAST.leaseDuration()));

        // B now supervises and A does not, any more.
        long aFrozen = a.cp.supervisionRounds();
        long bRounds = b.cp.supervisionRounds();
        await(Duration.ofSeconds(10), () -> b.cp.supervisionRounds() >= bRounds + 3);
        assertThat(a.cp.supervisionRounds()).isEqualTo(aFrozen);

        // B accepts the change it refused; A, deposed and unable to read the Lease, refuses without naming anyone.
        HttpResponse<String> accepted = b.call("POST", "/api/incidents", incident);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        HttpResponse<String> deposed = a.call("POST", "/api/incidents", incident);
        assertThat(deposed.statusCode()).isEqualTo(503);
        assertThat(deposed.body()).contains("replica-a", "is a follower");
        assertThat(Json.mapper().readTree(a.call("GET", "/api/incidents?app=web", null).body())
                .path("incidents")).hasSize(2);
        System.out.println("leader handover after the leader was cut off: " + handover.toMillis() + " ms (lease "
                + FAST.leaseDuration().toMillis() + " ms)");
    }

    private static Instant at(List<Event> events, String kind, String replica) {
        return events.stream().filter(e -> e.kind().equals(kind) && e.message().contains("replica " + replica + " "))
                .map(Event::at).max(Comparator.naturalOrder())
                .orElseThrow(() -> new AssertionError("no " + kind + " event of " + replica + " in " + events));
    }

    private static String currentLeader(Replica r) {
        try {
            r.cp.requireLeader("test");
            return r.identity;
        } catch (NotLeaderException e) {
            return e.leader();
        }
    }

    private Lease lease() {
        return kube.newClient().resources(Lease.class).inNamespace(NAMESPACE).withName(LEASE).get();
    }
}
