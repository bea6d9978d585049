package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.leader.ControlPlaneLeadership;
import dev.deployguard.kubernetes.leader.LeaseClients;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.api.ApiServer;
import dev.deployguard.spec.Durations;
import dev.deployguard.spec.SpecParser;
import dev.deployguard.store.EpochFence;
import dev.deployguard.store.leader.PostgresLeadership;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
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
    @Option(names = "--leader-elect", arity = "0..1", fallbackValue = "kubernetes", paramLabel = "BACKEND",
            description = "Run as one of several replicas sharing a PostgreSQL store: only the leader makes changes;"
            + " the others serve reads. kubernetes (the default when no value is given): the holder of a Kubernetes"
            + " Lease (Kubernetes API from the pod's service account, else KUBECONFIG, else ~/.kube/config);"
            + " postgres: the holder of a lease row in the store itself, with a fencing epoch (hosts and VMs)")
    String leaderElect;
    @Option(names = "--lease-namespace", description = "Namespace of the leader Lease (default: the pod's own, else"
            + " the kubeconfig context's); only with --leader-elect=kubernetes")
    String leaseNamespace;
    @Option(names = "--lease-name", defaultValue = "deployguard-control-plane", description = "Name of the leader Lease"
            + " or lease row (default: deployguard-control-plane)")
    String leaseName;
    @Option(names = "--lease-duration", paramLabel = "DURATION", description = "With --leader-elect: how long the"
            + " lease holds without renewal before another replica may take it; whole seconds for kubernetes"
            + " (default: 15s)")
    String leaseDuration;
    @Option(names = "--renew-deadline", paramLabel = "DURATION", description = "With --leader-elect: how long the"
            + " leader keeps trying to renew before it stops leading; shorter than --lease-duration (default: 10s)")
    String renewDeadline;
    @Option(names = "--retry-period", paramLabel = "DURATION", description = "With --leader-elect: how often the"
            + " leader renews and the others try; shorter than --renew-deadline (default: 2s)")
    String retryPeriod;
    @Option(names = "--prometheus-url", paramLabel = "URL", description = "Prometheus that scrapes ingress-nginx, for"
            + " the default canary analysis of ingress-nginx apps (default: env DEPLOYGUARD_PROMETHEUS_URL, else none)")
    String prometheusUrl;

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
        Election election = Election.of(leaderElect);
        if (election != Election.NONE && storeUrl == null) {
            throw DeployGuardException.badInput("--leader-elect needs --store-url: the replicas share their state"
                    + " through PostgreSQL; the embedded store belongs to one process");
        }
        if (election == Election.POSTGRES && !storeUrl.startsWith("jdbc:postgresql:")) {
            throw DeployGuardException.badInput("--leader-elect=postgres needs a PostgreSQL --store-url"
                    + " (jdbc:postgresql://HOST:PORT/DB): the lease and its fencing epoch live in that database");
        }
        if (election != Election.KUBERNETES && leaseNamespace != null) {
            throw DeployGuardException.badInput("--lease-namespace only applies with --leader-elect=kubernetes");
        }
        ControlPlaneLeadership.Timing timing = timing(election);
        String prometheus = prometheusUrl(prometheusUrl, System.getenv("DEPLOYGUARD_PROMETHEUS_URL"));
        Path stateDir = root.stateDir();
        LeaseClients.Opened lease = election == Election.KUBERNETES ? LeaseClients.open(leaseNamespace, leaseName)
                : null;
        String password = System.getenv("DEPLOYGUARD_STORE_PASSWORD");
        var config = new ControlPlane.Config(stateDir, file, storeUrl, storeUser, password, prometheus);
        EpochFence fence = election == Election.POSTGRES ? new EpochFence(leaseName) : null;
        var cp = fence == null ? new ControlPlane(config, Clock.systemUTC())
                : new ControlPlane(config, Clock.systemUTC(), fence);
        ApiServer api;
        try {
            if (lease != null) {
                cp.start(new ControlPlaneLeadership(lease.client(), lease.namespace(), leaseName,
                        ControlPlaneLeadership.defaultIdentity(), timing, lease.pod()));
            } else if (fence != null) {
                cp.start(new PostgresLeadership(storeUrl, storeUser, password, leaseName,
                        ControlPlaneLeadership.defaultIdentity(), new PostgresLeadership.Timing(timing.leaseDuration(),
                        timing.renewDeadline(), timing.retryPeriod()), fence));
            } else {
                cp.start();
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
                + (lease == null ? "" : ", leader election on Lease " + lease.namespace() + "/" + leaseName
                + timing(timing) + (lease.pod() == null ? "" : ", role label on Pod " + lease.pod()))
                + (fence == null ? "" : ", leader election on lease '" + leaseName + "' in the PostgreSQL store,"
                + " fenced by epoch" + timing(timing)) + ")");
        System.out.println("Dashboard: " + api.url() + "/ui/" + (demo ? " (no login in demo mode)"
                : " (log in with an API token; see docs/dashboard.md)"));
        done.await();
        return 0;
    }

    /** Which leader election {@code --leader-elect} asks for. */
    enum Election {
        NONE, KUBERNETES, POSTGRES;

        static Election of(String flag) {
            if (flag == null) {
                return NONE;
            }
            return switch (flag.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "kubernetes" -> KUBERNETES;
                case "postgres", "postgresql" -> POSTGRES;
                default -> throw DeployGuardException.badInput("--leader-elect: expected kubernetes (a Kubernetes"
                        + " Lease) or postgres (a lease row in the PostgreSQL store), got '" + flag + "'");
            };
        }
    }

    private static String timing(ControlPlaneLeadership.Timing t) {
        return " (lease " + Durations.format(t.leaseDuration()) + ", renew deadline "
                + Durations.format(t.renewDeadline()) + ", retry " + Durations.format(t.retryPeriod()) + ")";
    }

    /** The election's timing from the flags, the defaults filling in those not given. */
    private ControlPlaneLeadership.Timing timing(Election election) {
        if (election == Election.NONE) {
            for (String[] flag : new String[][] {{"--lease-duration", leaseDuration},
                    {"--renew-deadline", renewDeadline}, {"--retry-period", retryPeriod}}) {
                if (flag[1] != null) {
                    throw DeployGuardException.badInput(flag[0] + " only applies with --leader-elect");
                }
            }
        }
        ControlPlaneLeadership.Timing dflt = ControlPlaneLeadership.Timing.DEFAULT;
        Duration lease = duration("--lease-duration", leaseDuration, dflt.leaseDuration());
        Duration renew = duration("--renew-deadline", renewDeadline, dflt.renewDeadline());
        Duration retry = duration("--retry-period", retryPeriod, dflt.retryPeriod());
        if (election == Election.KUBERNETES && lease.toMillis() % 1000 != 0) {
            // The Lease records leaseDurationSeconds: a fraction would be cut off for the other replicas.
            throw DeployGuardException.badInput("--lease-duration: must be whole seconds (the Lease records"
                    + " leaseDurationSeconds), got " + Durations.format(lease));
        }
        if (retry.compareTo(renew) >= 0 || renew.compareTo(lease) >= 0) {
            throw DeployGuardException.badInput("leader election timing: need --retry-period < --renew-deadline <"
                    + " --lease-duration, got --retry-period " + shown(retry, retryPeriod) + ", --renew-deadline "
                    + shown(renew, renewDeadline) + ", --lease-duration " + shown(lease, leaseDuration)
                    + ": the leader retries renewing within its deadline and gives up leading before its lease can run"
                    + " out for the others");
        }
        return new ControlPlaneLeadership.Timing(lease, renew, retry);
    }

    private static String shown(Duration d, String given) {
        return Durations.format(d) + (given == null ? " (default)" : "");
    }

    private static Duration duration(String flag, String text, Duration dflt) {
        if (text == null) {
            return dflt;
        }
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput(flag + ": " + e.getMessage());
        }
        if (d.isZero() || d.isNegative()) {
            throw DeployGuardException.badInput(flag + ": must be longer than 0, got '" + text + "'");
        }
        return d;
    }

    /** {@code --prometheus-url}, else the environment's; checked here so a typo stops the start, not a rollout. */
    static String prometheusUrl(String flag, String env) {
        String url = flag != null ? flag : env == null || env.isBlank() ? null : env.trim();
        if (url == null) {
            return null;
        }
        String from = flag != null ? "--prometheus-url" : "DEPLOYGUARD_PROMETHEUS_URL";
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw DeployGuardException.badInput(from + ": not a URL: '" + withoutPassword(url) + "' (" + e.getReason()
                    + "); expected Prometheus' base URL, e.g. http://prometheus.monitoring:9090");
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null
                || u.getQuery() != null || u.getFragment() != null) {
            throw DeployGuardException.badInput(from + ": expected Prometheus' base URL (http:// or https://, a host,"
                    + " no query), e.g. http://prometheus.monitoring:9090, got '" + withoutPassword(url) + "'");
        }
        return url;
    }

    /** The URL as it may be shown: a password in it is masked. */
    private static String withoutPassword(String url) {
        return url.replaceAll("(//[^/@:]*):[^/@]*@", "$1:***@");
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
