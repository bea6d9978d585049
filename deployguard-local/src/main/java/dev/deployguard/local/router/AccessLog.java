package dev.deployguard.local.router;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The router's access log: one line per request in the Combined Log Format (as Apache's {@code combined} and
 * nginx's default {@code log_format}), followed by the track that served it and the time the router took:
 * <pre>
 * 127.0.0.1 - - [07/Dec/2026:10:00:00 +0000] "GET /a HTTP/2.0" 200 12 "-" "curl/7.88.1" track=stable latency_ms=0.812
 * </pre>
 * The user field is always {@code -}: no header that may carry a secret ({@code Authorization}, {@code Cookie},
 * {@code Proxy-Authorization}) is ever read into the log. Quoted fields escape {@code "}, {@code \} and bytes outside
 * printable ASCII as {@code \xHH}, as nginx does, so one line is always one request. Lines are written by one
 * background thread: the event loops only queue them, and when the disk falls behind by {@value #CAPACITY} lines,
 * further lines are dropped and counted rather than slowing down traffic.
 */
final class AccessLog implements AutoCloseable {
    static final int CAPACITY = 65_536;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String STOP = "";

    private final Path file;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final Thread writer;

    /**
     * Opens (creating it, mode as the umask allows) {@code file} for appending.
     *
     * @throws IOException when it cannot be opened
     */
    AccessLog(Path file) throws IOException {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        this.writer = new Thread(this::drain, "router-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    Path file() {
        return file;
    }

    /** Lines dropped because the writer fell behind. */
    long dropped() {
        return dropped.get();
    }

    /** One request: what the user asked, what they got, which track answered and in how long. */
    record Entry(String client, long startEpochMs, String method, String uri, String protocol, int status,
                 long bytes, String referer, String userAgent, String track, long latencyMicros) {
    }

    /** Queues the line for {@code entry}; never blocks. */
    void log(Entry entry) {
        if (!lines.offer(format(entry))) {
            dropped.incrementAndGet();
        }
    }

    static String format(Entry e) {
        StringBuilder line = new StringBuilder(160)
                .append(e.client() == null ? "-" : e.client()).append(" - - [")
                .append(TIME.format(Instant.ofEpochMilli(e.startEpochMs()))).append("] \"");
        escape(line, e.method() + " " + e.uri() + " " + e.protocol());
        line.append("\" ").append(e.status()).append(' ').append(e.bytes() > 0 ? Long.toString(e.bytes()) : "-")
                .append(" \"");
        escape(line, e.referer() == null ? "-" : e.referer());
        line.append("\" \"");
        escape(line, e.userAgent() == null ? "-" : e.userAgent());
        line.append("\" track=").append(e.track() == null ? "-" : e.track())
                .append(" latency_ms=").append(e.latencyMicros() / 1000).append('.');
        long fraction = e.latencyMicros() % 1000;
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        return line.append(fraction).append('\n').toString();
    }

    private static void escape(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
                if (c > 0xff) {
                    for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                        out.append(String.format(Locale.ROOT, "\\x%02X", b & 0xff));
                    }
                } else {
                    out.append(String.format(Locale.ROOT, "\\x%02X", (int) c));
                }
            } else {
                out.append(c);
            }
        }
    }

    // Writes what is queued in batches and flushes whenever the queue runs dry, so a line is on disk within ~200 ms.
    private void drain() {
        List<String> batch = new ArrayList<>(256);
        try {
            while (true) {
                String first = lines.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                lines.drainTo(batch, 4096);
                boolean stop = false;
                StringBuilder text = new StringBuilder(batch.size() * 160);
                for (String line : batch) {
                    if (line == STOP) {
                        stop = true;
                    } else {
                        text.append(line);
                    }
                }
                batch.clear();
                write(text);
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(StringBuilder text) {
        if (text.isEmpty()) {
            return;
        }
        try {
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            System.err.println("router: cannot write the access log " + file + ": " + e.getMessage());
        }
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        try {
            lines.put(STOP);
            writer.join(2_000);
            out.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
