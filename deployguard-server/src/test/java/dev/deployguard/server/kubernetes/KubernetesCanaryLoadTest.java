package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in load (issue 11 item 9) on a Kubernetes canary: synthetic requests at the set rate and path go to
 * the stable and the canary Service at the addresses {@code traffic.loadTargets} names, half the rate each, marked,
 * and stop when the rollout ends. Two real HTTP servers on 127.0.0.1 stand in for the Services (the mock API server
 * runs no pods). Flagger's load tester (fluxcd/flagger, kustomize/tester) is the anchor: it drives {@code hey} at
 * the canary Service's cluster address during the analysis.
 */
class KubernetesCanaryLoadTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private final Map<String, List<String>> seen = Map.of("stable", new CopyOnWriteArrayList<>(), "canary",
            new CopyOnWriteArrayList<>());
    private HttpServer stable;
    private HttpServer canary;

    @BeforeEach
    void services() throws Exception {
        stable = service("stable");
        canary = service("canary");
    }

    @AfterEach
    void stop() {
        stable.stop(0);
        canary.stop(0);
    }

    private HttpServer service(String track) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            seen.get(track).add(exchange.getRequestURI().getPath()
                    + " synthetic=" + exchange.getRequestHeaders().getFirst("X-DeployGuard-Synthetic")
                    + " track=" + exchange.getRequestHeaders().getFirst("X-DeployGuard-Track")
                    + " agent=" + exchange.getRequestHeaders().getFirst("User-Agent"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        s.start();
        return s;
    }

    private static String address(HttpServer s) {
        return "http://127.0.0.1:" + s.getAddress().getPort();
    }

    private List<Event> events(String kind) {
        return kube.controlPlane().store().events("web", 0, null, 500).stream().filter(e -> e.kind().equals(kind))
                .toList();
    }

    @Test
    void bothServicesGetHalfTheMarkedLoadUntilTheRolloutEnds() throws Exception {
        cluster.canaryApp();
        ControlPlane cp = kube.startControlPlane(dir, """
                service: web
                traffic:
                  ingressNginx: {ingress: web}
                  loadTargets: {stable: "%s", canary: "%s"}
                rolloutTimeout: 20s
                """.formatted(address(stable), address(canary)), """
                strategy:
                  canary:
                    bake: 0s
                    analysis:
                      load: {rate: 40, path: /healthz, duration: 10m}
                    steps: [{setWeight: 20}, {pause: {}}]
                """);

        kube.deploy("v2");

        await("synthetic requests at both Services", () -> seen.get("stable").size() >= 10
                && seen.get("canary").size() >= 10);
        assertThat(seen.get("stable")).allMatch(s -> s.equals("/healthz synthetic=1 track=stable agent=deployguard-load"));
        assertThat(seen.get("canary")).allMatch(s -> s.equals("/healthz synthetic=1 track=canary agent=deployguard-load"));
        assertThat(events("load.started")).singleElement().satisfies(e -> assertThat(e.message())
                .contains("40 requests/s to /healthz", "20/s to each of canary " + address(canary), "stable "
                        + address(stable)));

        cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        await("the load to stop", () -> !events("load.stopped").isEmpty());
        // Every request the load sent lands (the event counts them once no more can be sent); then no other comes.
        // A fixed 300 ms for the landing raced a loaded machine.
        java.util.regex.Matcher sent = java.util.regex.Pattern.compile("(\\d+) synthetic requests sent")
                .matcher(events("load.stopped").get(0).message());
        assertThat(sent.find()).isTrue();
        long total = Long.parseLong(sent.group(1));
        await("the " + total + " requests sent to land", () -> seen.get("stable").size() + seen.get("canary").size()
                >= total);
        int stableAfter = seen.get("stable").size();
        int canaryAfter = seen.get("canary").size();
        Thread.sleep(500); // a short look that only a load that did not stop could fail
        assertThat(seen.get("stable")).as("no request after the stop").hasSize(stableAfter);
        assertThat(seen.get("canary")).as("no request after the stop").hasSize(canaryAfter);
        assertThat(events("load.stopped").get(0).message()).contains("synthetic requests sent", "0 failed");
    }

    @Test
    void withNoAddressOutsideTheClusterTheLoadIsReportedAsNotSent() throws Exception {
        cluster.canaryApp();
        kube.startControlPlane(dir, ClusterFixture.CANARY, """
                strategy:
                  canary:
                    bake: 0s
                    analysis:
                      load: {rate: 40, path: /healthz, duration: 10m}
                    steps: [{setWeight: 20}, {pause: {}}]
                """);

        kube.deploy("v2");

        await("the load.unavailable event", () -> !events("load.unavailable").isEmpty());
        assertThat(events("load.unavailable").get(0).message()).contains("platform.kubernetes.traffic.loadTargets");
        assertThat(events("load.started")).isEmpty();
        assertThat(seen.get("stable")).isEmpty();
    }
}
