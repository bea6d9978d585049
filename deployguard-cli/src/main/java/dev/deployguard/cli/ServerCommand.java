package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.leader.ControlPlaneLeadership;
import dev.deployguard.kubernetes.leader.LeaseClients;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.api.ApiServer;
import dev.deployguard.spec.SpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "server", description = "Run the control plane: HTTP API on loopback, supervision, routers."
        + " Stopping it (even kill -9) leaves apps and routers serving; the next start re-adopts them.")
final class ServerCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;

    @Option(names = {"-f", "--file"}, defaultValue = "deployguard.yaml", description = "The spec (default: ./deployguard.yaml)")
    Path file;
    @Option(names = "--listen", defaultValue = "127.0.0.1:7420", description = "API address (default: 127.0.0.1:7420)")
    String listen;
    @Option(names = "--store-url", description = "JDBC URL of a PostgreSQL store (default: embedded H2 in the state dir)")
    String storeUrl;
    @Option(names = "--store-user", description = "Database user")
    String storeUser;
    @Option(names = "--demo", description = "Loopback-only demo mode: the API needs no token")
    boolean demo;
    @Option(names = "--leader-elect", description = "Run as one of several replicas sharing a PostgreSQL store: only"
            + " the holder of a Kubernetes Lease makes changes; the others serve reads (Kubernetes API from the pod's"
            + " service account, else KUBECONFIG, else ~/.kube/config)")
    boolean leaderElect;
    @Option(names = "--lease-namespace", description = "Namespace of the leader Lease (default: the pod's own, else"
            + " the kubeconfig context's)")
    String leaseNamespace;
    @Option(names = "--lease-name", defaultValue = "deployguard-control-plane", description = "Name of the leader Lease"
            + " (default: deployguard-control-plane)")
    String leaseName;

    @Override
    public Integer call() throws Exception {
        Logging.quiet();
        new SpecParser().parse(file);
        String[] hp = listen.split(":(?=[^:]+$)");
        if (hp.length != 2) {
            throw DeployGuardException.badInput("--listen: expected host:port, got '" + listen + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hp[1]);
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput("--listen: port must be a number, got '" + hp[1] + "'");
        }
        if (leaderElect && storeUrl == null) {
            throw DeployGuardException.badInput("--leader-elect needs --store-url: the replicas share their state"
                    + " through PostgreSQL; the embedded store belongs to one process");
        }
        if (!leaderElect && leaseNamespace != null) {
            throw DeployGuardException.badInput("--lease-namespace only applies with --leader-elect");
        }
        Path stateDir = root.stateDir();
        LeaseClients.Opened lease = leaderElect ? LeaseClients.open(leaseNamespace, leaseName) : null;
        var cp = new ControlPlane(new ControlPlane.Config(stateDir, file, storeUrl, storeUser,
                System.getenv("DEPLOYGUARD_STORE_PASSWORD")), Clock.systemUTC());
        ApiServer api;
        try {
            if (lease == null) {
                cp.start();
            } else {
                cp.start(new ControlPlaneLeadership(lease.client(), lease.namespace(), leaseName,
                        ControlPlaneLeadership.defaultIdentity(), ControlPlaneLeadership.Timing.DEFAULT));
            }
            api = new ApiServer(cp, hp[0], port, demo);
            api.start();
        } catch (RuntimeException e) {
            cp.close();
            closeClient(lease);
            throw e;
        }
        writeServerInfo(stateDir, api.url());
        var done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            cp.close();
            closeClient(lease);
            try {
                Files.deleteIfExists(stateDir.resolve("server.json"));
            } catch (IOException ignored) {
                // Next start overwrites it.
            }
            done.countDown();
        }));
        System.out.println("DeployGuard control plane on " + api.url() + " (state: " + cp.stateDir()
                + (demo ? ", demo mode: no token" : ", API token in " + cp.stateDir().resolve("api.token"))
                + (lease == null ? "" : ", leader election on Lease " + lease.namespace() + "/" + leaseName) + ")");
        done.await();
        return 0;
    }

    private static void closeClient(LeaseClients.Opened lease) {
        if (lease != null) {
            lease.client().close();
        }
    }

    static void writeServerInfo(Path stateDir, String url) throws IOException {
        Path tmp = stateDir.resolve("server.json.tmp");
        Files.write(tmp, Json.mapper().writeValueAsBytes(Map.of("url", url, "pid", ProcessHandle.current().pid())));
        Files.move(tmp, stateDir.resolve("server.json"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }
}
