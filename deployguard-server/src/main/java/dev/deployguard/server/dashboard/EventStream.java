package dev.deployguard.server.dashboard;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Server-sent events to open pages: once a second each stream asks its producer for the messages that changed and
 * writes them; a comment every 15 s keeps proxies from closing a quiet stream. No request thread waits: the
 * handler returns at once and the response completes when the browser goes away or the server stops.
 */
final class EventStream implements AutoCloseable {
    static final int MAX_STREAMS = 256;
    private static final long HEARTBEAT_MILLIS = 15_000;

    /** One SSE message: {@code event:} name and a one-line JSON {@code data:}. */
    record Message(String event, String data) {
    }

    private final ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "deployguard-dashboard-stream");
        t.setDaemon(true);
        return t;
    });
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();

    private final class Stream {
        final Response response;
        final Callback done;
        final Supplier<List<Message>> producer;
        ScheduledFuture<?> future;
        long lastWrite = System.currentTimeMillis();
        boolean ended;

        Stream(Response response, Callback done, Supplier<List<Message>> producer) {
            this.response = response;
            this.done = done;
            this.producer = producer;
        }

        synchronized void tick() {
            if (ended) {
                return;
            }
            try {
                List<Message> messages = producer.get();
                StringBuilder sb = new StringBuilder();
                for (Message m : messages) {
                    sb.append("event: ").append(m.event()).append('\n').append("data: ").append(m.data())
                            .append("\n\n");
                }
                long now = System.currentTimeMillis();
                if (sb.isEmpty() && now - lastWrite < HEARTBEAT_MILLIS) {
                    return;
                }
                if (sb.isEmpty()) {
                    sb.append(": still here\n\n");
                }
                var written = new Callback.Completable();
                response.write(false, ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)), written);
                written.get(10, TimeUnit.SECONDS);
                lastWrite = now;
            } catch (Exception e) {
                end(e); // the browser went away, or the page's data cannot be read: it reconnects by itself
            }
        }

        synchronized void end(Throwable why) {
            if (ended) {
                return;
            }
            ended = true;
            open.remove(this);
            if (future != null) {
                future.cancel(false);
            }
            if (why == null) {
                done.succeeded();
            } else {
                done.failed(why);
            }
        }
    }

    /** Whether another stream may open (each holds a connection; a page opens one). */
    boolean full() {
        return open.size() >= MAX_STREAMS;
    }

    /** Starts a stream on {@code response}; {@code producer} runs on the stream's thread once a second. */
    void start(Response response, Callback done, Supplier<List<Message>> producer) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Accel-Buffering", "no");
        Stream s = new Stream(response, done, producer);
        open.add(s);
        synchronized (s) { // a first tick that ends the stream must find its future to cancel
            s.future = ticks.scheduleWithFixedDelay(s::tick, 0, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        for (Stream s : new ArrayList<>(open)) {
            s.end(null);
        }
        ticks.shutdownNow();
    }
}
