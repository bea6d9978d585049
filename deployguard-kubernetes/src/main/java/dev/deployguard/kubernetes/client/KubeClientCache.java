package dev.deployguard.kubernetes.client;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One fabric8 client per cluster the control plane talks to, instead of one per call: {@link KubeClients#open}
 * reads the kubeconfig and builds a client with its own HTTP client, connection pool and threads, which costs more
 * than the call it is made for and never reuses a connection. Clients are keyed by the kubeconfig file (path, last
 * modification time, size, file identity), context and namespace, and handed out as views whose {@code close()}
 * only says "done with it". When the kubeconfig file changes, the next call gets a new client and the old one is
 * closed for real once the views handed out before the change are closed; {@link #close()} closes every client.
 */
public final class KubeClientCache implements Function<KubernetesSpec, KubernetesClient>, AutoCloseable {
    private final BiFunction<KubernetesSpec, Map<String, String>, KubernetesClient> opener;
    private final Map<String, String> env;
    private final Map<Target, Shared> clients = new HashMap<>();
    private boolean closed;

    /** Clients made by {@link KubeClients#open} from the process environment. */
    public KubeClientCache() {
        this(KubeClients::open, System.getenv());
    }

    /** @param opener builds a real client for a spec (tests count and inspect them) */
    KubeClientCache(BiFunction<KubernetesSpec, Map<String, String>, KubernetesClient> opener,
                    Map<String, String> env) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.env = Map.copyOf(env);
    }

    /** A client for the spec's cluster and namespace; closing it leaves the shared client open. */
    @Override
    public KubernetesClient apply(KubernetesSpec spec) {
        Path file = KubeClients.kubeconfigFile(spec, env);
        Target target = new Target(file.toAbsolutePath().normalize(), spec.context(), spec.namespace());
        Version version = Version.of(file);
        Shared retired = null;
        Shared shared;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the Kubernetes clients are closed (the control plane stopped)");
            }
            shared = clients.get(target);
            if (shared == null || !shared.version.equals(version)) {
                retired = shared;
                // A bad kubeconfig throws here and nothing is cached: the next call reads the file again.
                shared = new Shared(opener.apply(spec, env), version);
                clients.put(target, shared);
            }
            shared.borrowed++;
        }
        if (retired != null) {
            retired.retire();
        }
        return shared.view();
    }

    /** How many real clients are open (for tests and diagnostics). */
    public synchronized int size() {
        return clients.size();
    }

    /** Closes every client, whether or not views of it are still held. */
    @Override
    public void close() {
        List<Shared> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(clients.values());
            clients.clear();
        }
        for (Shared s : all) {
            s.closeNow();
        }
    }

    private record Target(Path file, String context, String namespace) {
    }

    /** What identifies one content of the kubeconfig without reading it. */
    private record Version(FileTime modified, long size, Object fileKey) {
        static Version of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Version(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (IOException e) {
                throw DeployGuardException.badInput("cannot read the kubeconfig " + file + " (" + e.getClass()
                        .getSimpleName() + "); set platform.kubernetes.kubeconfig or KUBECONFIG to a readable file");
            }
        }
    }

    /** A real client, the views on loan, and whether a newer kubeconfig replaced it. */
    private final class Shared {
        final KubernetesClient client;
        final Version version;
        int borrowed;
        boolean retired;
        boolean closedForReal;

        Shared(KubernetesClient client, Version version) {
            this.client = client;
            this.version = version;
        }

        KubernetesClient view() {
            AtomicBoolean returned = new AtomicBoolean();
            InvocationHandler handler = (proxy, method, args) -> {
                if (isClose(method)) {
                    if (returned.compareAndSet(false, true)) {
                        giveBack();
                    }
                    return null;
                }
                if (method.getDeclaringClass() == Object.class) {
                    return switch (method.getName()) {
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        default -> "shared " + client;
                    };
                }
                try {
                    return method.invoke(client, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            return (KubernetesClient) Proxy.newProxyInstance(KubernetesClient.class.getClassLoader(),
                    new Class<?>[] {KubernetesClient.class}, handler);
        }

        private void giveBack() {
            boolean closeNow;
            synchronized (KubeClientCache.this) {
                borrowed--;
                closeNow = retired && borrowed == 0 && !closedForReal;
                closedForReal |= closeNow;
            }
            if (closeNow) {
                client.close();
            }
        }

        void retire() {
            boolean closeNow;
            synchronized (KubeClientCache.this) {
                retired = true;
                closeNow = borrowed == 0 && !closedForReal;
                closedForReal |= closeNow;
            }
            if (closeNow) {
                client.close();
            }
        }

        void closeNow() {
            boolean closeNow;
            synchronized (KubeClientCache.this) {
                closeNow = !closedForReal;
                closedForReal = true;
            }
            if (closeNow) {
                client.close();
            }
        }
    }

    private static boolean isClose(Method m) {
        return m.getName().equals("close") && m.getParameterCount() == 0;
    }
}
