package dev.deployguard.spec;

import java.util.Locale;
import java.util.Optional;

/** The signals a graceful stop may send first. */
public enum StopSignal {
    TERM, INT, QUIT, HUP, USR1, USR2;

    public static Optional<StopSignal> parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.startsWith("SIG")) {
            t = t.substring(3);
        }
        try {
            return Optional.of(valueOf(t));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
