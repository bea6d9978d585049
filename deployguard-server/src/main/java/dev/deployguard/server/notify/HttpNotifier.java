package dev.deployguard.server.notify;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.notify.Notification;
import dev.deployguard.notify.Notifier;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.NotificationsSpec;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends notifications to the webhook and Slack targets of each app's {@code notifications} section. {@link #notify}
 * only queues: delivery, retries and timeouts happen on a small pool of daemon threads, so a target that is down
 * or hangs never holds up the deploy or rollback that caused the message. A delivery that fails is recorded as a
 * {@code notification.failed} event (target shown without secrets).
 */
public final class HttpNotifier implements Notifier {
    private static final int THREADS = 4;
    private static final int QUEUE = 1000;

    private final SpecSource specs;
    private final EventLog events;
    private final Delivery delivery;
    private final ThreadPoolExecutor pool;

    public HttpNotifier(SpecSource specs, EventLog events) {
        this.specs = specs;
        this.events = events;
        this.delivery = new Delivery(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1).build());
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "notify-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    @Override
    public void notify(Notification n) {
        try {
            pool.execute(() -> send(n));
        } catch (RejectedExecutionException e) {
            // Only when a thousand messages wait already (every target hanging): drop this one, say so.
            if (!pool.isShutdown()) {
                events.record(n.app(), n.revision(), "system", EventKinds.NOTIFICATION_FAILED, "notification of "
                        + n.kind() + " dropped: " + QUEUE + " notifications are already waiting for delivery",
                        Map.of("kind", n.kind()));
            }
        }
    }

    private void send(Notification n) {
        for (Route route : routes(n)) {
            NotificationsSpec spec = route.spec();
            NotificationsSpec.Target target = route.target();
            Delivery.Outcome o = delivery.deliver(target, spec, n);
            if (pool.isShutdown()) {
                return; // The control plane is stopping (and closing its store): not a delivery failure.
            }
            if (!o.delivered()) {
                String where = Delivery.describe(target);
                events.record(n.app(), n.revision(), "system", EventKinds.NOTIFICATION_FAILED, "notification of "
                        + n.kind() + " to " + where + " failed after " + o.attempts() + " attempt(s): " + o.detail(),
                        Map.of("target", where, "kind", n.kind(), "attempts", o.attempts(), "error", o.detail()));
            }
        }
    }

    private record Route(NotificationsSpec spec, NotificationsSpec.Target target) {
    }

    /**
     * An app's message goes to its own targets when its section lists the topic. An app-less one (a backup of the
     * store, etcd or a namespace) goes to every app's targets that list the topic, each address once.
     */
    private List<Route> routes(Notification n) {
        if (n.app() != null) {
            NotificationsSpec spec = settings(n.app());
            return spec.on().contains(n.topic())
                    ? spec.targets().stream().map(t -> new Route(spec, t)).toList() : List.of();
        }
        Map<String, Route> byAddress = new LinkedHashMap<>();
        try {
            for (AppSpec app : specs.get().apps().values()) {
                NotificationsSpec spec = app.notifications();
                if (spec != null && spec.on().contains(n.topic())) {
                    spec.targets().forEach(t -> byAddress.putIfAbsent(Delivery.describe(t), new Route(spec, t)));
                }
            }
        } catch (DeployGuardException e) {
            return List.of(); // the spec cannot be read right now: nobody asked, as far as can be told
        }
        return List.copyOf(byAddress.values());
    }

    /** The app's section; the defaults when it has none, or when the spec cannot be read right now. */
    private NotificationsSpec settings(String app) {
        try {
            AppSpec a = specs.app(app);
            return a.notifications() != null ? a.notifications() : NotificationsSpec.DEFAULT;
        } catch (DeployGuardException e) {
            return NotificationsSpec.DEFAULT;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            // Deliveries in flight are interrupted; let them end before the caller closes the store they write to.
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
