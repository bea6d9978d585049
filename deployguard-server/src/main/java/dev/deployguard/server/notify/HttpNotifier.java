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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends notifications to the webhook and Slack targets of each app's {@code notifications} section. {@link #notify}
 * only queues: delivery, retries and timeouts happen on daemon threads, so a target that is down or hangs never
 * holds up the deploy or rollback that caused the message. Each target has its own lane: it gets its messages in
 * the order they were raised ({@code incident.opened} before {@code incident.closed}), one at a time, and a target
 * that hangs delays only its own lane, never another target's messages. A delivery that fails is recorded as a
 * {@code notification.failed} event (target shown without secrets).
 */
public final class HttpNotifier implements Notifier {
    /** Messages waiting to be routed, and waiting in each target's lane. */
    private static final int QUEUE = 1000;

    private final SpecSource specs;
    private final EventLog events;
    private final Delivery delivery;
    /** One thread, so routes are resolved and lanes filled in the order {@link #notify} was called. */
    private final ThreadPoolExecutor dispatcher;
    private final Map<NotificationsSpec.Target, ThreadPoolExecutor> lanes = new ConcurrentHashMap<>();
    private final AtomicInteger threads = new AtomicInteger();
    /** Tasks queued or running, on the dispatcher and every lane. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;

    public HttpNotifier(SpecSource specs, EventLog events) {
        this.specs = specs;
        this.events = events;
        this.delivery = new Delivery(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1).build());
        this.dispatcher = singleThread("notify-dispatch");
    }

    /** A lane: one daemon thread that ends when idle, in front of a bounded queue. */
    private ThreadPoolExecutor singleThread(String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Override
    public void notify(Notification n) {
        try {
            run(dispatcher, () -> dispatch(n));
        } catch (RejectedExecutionException e) {
            dropped(n, null);
        }
    }

    private void dispatch(Notification n) {
        for (Route route : routes(n)) {
            if (closed) {
                return;
            }
            ThreadPoolExecutor lane = lanes.computeIfAbsent(route.target(), t -> singleThread("notify"));
            try {
                run(lane, () -> send(route, n));
            } catch (RejectedExecutionException e) {
                dropped(n, route.target());
            }
        }
    }

    private void run(ThreadPoolExecutor pool, Runnable task) {
        pending.incrementAndGet();
        try {
            pool.execute(() -> {
                try {
                    task.run();
                } finally {
                    pending.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            throw e;
        }
    }

    /** Only when a thousand messages wait already (a target hanging for a long time): drop this one, say so. */
    private void dropped(Notification n, NotificationsSpec.Target target) {
        if (!closed) {
            events.record(n.app(), n.revision(), "system", EventKinds.NOTIFICATION_FAILED, "notification of "
                    + n.kind() + (target == null ? "" : " to " + Delivery.describe(target)) + " dropped: " + QUEUE
                    + " notifications are already waiting for delivery", Map.of("kind", n.kind()));
        }
    }

    private void send(Route route, Notification n) {
        NotificationsSpec.Target target = route.target();
        Delivery.Outcome o = delivery.deliver(target, route.spec(), n);
        if (closed) {
            return; // The control plane is stopping (and closing its store): not a delivery failure.
        }
        if (!o.delivered()) {
            String where = Delivery.describe(target);
            events.record(n.app(), n.revision(), "system", EventKinds.NOTIFICATION_FAILED, "notification of "
                    + n.kind() + " to " + where + " failed after " + o.attempts() + " attempt(s): " + o.detail(),
                    Map.of("target", where, "kind", n.kind(), "attempts", o.attempts(), "error", o.detail()));
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

    /** True when nothing waits to be routed or delivered and nothing is being delivered (for tests). */
    boolean idle() {
        return pending.get() == 0;
    }

    @Override
    public void close() {
        closed = true;
        dispatcher.shutdownNow();
        lanes.values().forEach(ThreadPoolExecutor::shutdownNow);
        try {
            // Deliveries in flight are interrupted; let them end before the caller closes the store they write to.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            dispatcher.awaitTermination(2, TimeUnit.SECONDS);
            for (ThreadPoolExecutor lane : lanes.values()) {
                lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
