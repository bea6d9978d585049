package dev.deployguard.local.router;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A running router process as started by {@link RouterLauncher}: pid and start instant (together they tell the
 * router from a later process that reuses the pid), admin port, and its log. {@code listen} is empty: each app a
 * host router serves has its own address ({@link RouterClient#app}).
 */
public record RouterHandle(long pid, Instant processStart, int adminPort, String listen, Path logFile) {
}
