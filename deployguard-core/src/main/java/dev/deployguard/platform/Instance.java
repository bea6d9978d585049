package dev.deployguard.platform;

import java.time.Instant;

/**
 * A running (or once running) process of a release. PID, its start time and the port are recorded in the store so
 * a restarted control plane re-adopts the process instead of starting a duplicate; the start time guards against
 * PID reuse.
 */
public record Instance(String app, int revision, int index, long pid, Instant processStart, int port,
                       String logFile, Instant startedAt) {

    public String address() {
        return "127.0.0.1:" + port;
    }

    public Instance withRevision(int newRevision) {
        return new Instance(app, newRevision, index, pid, processStart, port, logFile, startedAt);
    }
}
