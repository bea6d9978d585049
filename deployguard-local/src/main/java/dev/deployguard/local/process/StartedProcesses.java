package dev.deployguard.local.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the instance processes a platform of one state directory started, by the variables it gives each one
 * ({@code DEPLOYGUARD_STATE_DIR}, {@code _APP}, {@code _REVISION}, {@code _INSTANCE}) read back from
 * {@code /proc/PID/environ}. The store says which processes should run; this says which do, so a restarted control
 * plane can stop a duplicate of an instance or an instance whose stop was under way when it died. Linux only:
 * elsewhere it finds nothing.
 */
final class StartedProcesses {
    static final String STATE_DIR = "DEPLOYGUARD_STATE_DIR";
    static final String APP = "DEPLOYGUARD_APP";
    static final String REVISION = "DEPLOYGUARD_REVISION";
    static final String INSTANCE = "DEPLOYGUARD_INSTANCE";

    /** One running process that carries an instance's variables. */
    record Found(long pid, Instant processStart, String app, int revision, int index, int port) {
    }

    private StartedProcesses() {
    }

    static List<Found> of(String stateDir, String app) {
        List<Found> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Map<String, String> env = environ(p.pid());
            if (stateDir.equals(env.get(STATE_DIR)) && app.equals(env.get(APP))) {
                try {
                    out.add(new Found(p.pid(), p.info().startInstant().orElse(null), app,
                            Integer.parseInt(env.get(REVISION)), Integer.parseInt(env.get(INSTANCE)),
                            Integer.parseInt(env.getOrDefault("PORT", "0"))));
                } catch (NumberFormatException e) {
                    // Not one of ours after all (a variable without a number).
                }
            }
        });
        return out;
    }

    private static Map<String, String> environ(long pid) {
        Map<String, String> env = new HashMap<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException | SecurityException e) {
            return env; // gone, or another user's
        }
        for (String entry : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0 && (entry.startsWith("DEPLOYGUARD_") || entry.startsWith("PORT="))) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }
}
