package dev.deployguard.bench.router;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk against 127.0.0.1 and reads its report. */
final class Wrk {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE =
            Pattern.compile("^\\s+(50|75|90|99)%\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /** What one wrk run reported; latencies in ms, NaN when wrk did not print them. */
    record Result(double rps, long requests, double seconds, double p50, double p75, double p90, double p99,
                  long non2xx, long socketErrors, String raw) {
        long errors() {
            return non2xx + socketErrors;
        }
    }

    private Wrk() {
    }

    static List<String> command(int threads, int connections, int seconds, String url) {
        return List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
                "--timeout", "5s", url);
    }

    /** Runs wrk to the end (bounded by its duration plus a margin) and parses its report. */
    static Result run(Procs procs, int threads, int connections, int seconds, String url) throws IOException {
        Running running = start(procs, threads, connections, seconds, url);
        return running.await(seconds + 20L);
    }

    static Running start(Procs procs, int threads, int connections, int seconds, String url) throws IOException {
        Process process = new ProcessBuilder(command(threads, connections, seconds, url))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        procs.add(process.toHandle(), "wrk");
        return new Running(process);
    }

    /** A wrk run in progress; its output is drained in the background so the pipe never fills. */
    static final class Running {
        private final Process process;
        private final CompletableFuture<String> output;

        Running(Process process) {
            this.process = process;
            this.output = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = process.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
        }

        /** Asks wrk to stop early (SIGINT: wrk then prints its report as usual) and reads the report. */
        Result interrupt(long timeoutSeconds) throws IOException {
            if (process.isAlive()) {
                try {
                    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                            .redirectErrorStream(true).start();
                    kill.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return await(timeoutSeconds);
        }

        Result await(long timeoutSeconds) throws IOException {
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    Procs.stop(process.toHandle(), 1000);
                    throw new IOException("wrk did not finish within " + timeoutSeconds + " s");
                }
                String text = output.get(5, TimeUnit.SECONDS);
                if (process.exitValue() != 0 && !text.contains("Requests/sec")) {
                    throw new IOException("wrk exited with " + process.exitValue() + ": " + text.strip());
                }
                return parse(text);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Procs.stop(process.toHandle(), 1000);
                throw new IOException("interrupted while waiting for wrk", e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("cannot read wrk's output: " + e, e);
            }
        }
    }

    static Result parse(String text) throws IOException {
        Matcher rps = RPS.matcher(text);
        if (!rps.find()) {
            throw new IOException("no Requests/sec in wrk output:\n" + text.strip());
        }
        double[] pct = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Matcher p = PERCENTILE.matcher(text);
        while (p.find()) {
            double ms = toMs(Double.parseDouble(p.group(2)), p.group(3));
            switch (p.group(1)) {
                case "50" -> pct[0] = ms;
                case "75" -> pct[1] = ms;
                case "90" -> pct[2] = ms;
                case "99" -> pct[3] = ms;
                default -> {
                }
            }
        }
        long requests = 0;
        double seconds = Double.NaN;
        Matcher total = TOTAL.matcher(text);
        if (total.find()) {
            requests = Long.parseLong(total.group(1));
            seconds = toMs(Double.parseDouble(total.group(2)), total.group(3)) / 1000.0;
        }
        long non2xx = 0;
        Matcher n = NON_2XX.matcher(text);
        if (n.find()) {
            non2xx = Long.parseLong(n.group(1));
        }
        long socketErrors = 0;
        Matcher s = SOCKET_ERRORS.matcher(text);
        if (s.find()) {
            for (int i = 1; i <= 4; i++) {
                socketErrors += Long.parseLong(s.group(i));
            }
        }
        return new Result(Double.parseDouble(rps.group(1)), requests, seconds, pct[0], pct[1], pct[2], pct[3],
                non2xx, socketErrors, text);
    }

    private static double toMs(double value, String unit) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> value / 1000.0;
            case "ms" -> value;
            case "s" -> value * 1000.0;
            case "m" -> value * 60_000.0;
            default -> throw new IllegalArgumentException("unknown unit " + unit);
        };
    }

    /** wrk's version line, or null when wrk is not installed. */
    static String version() {
        try {
            Process p = new ProcessBuilder("wrk", "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            List<String> lines = new ArrayList<>(out.lines().toList());
            return lines.isEmpty() ? "wrk" : lines.get(0).strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
