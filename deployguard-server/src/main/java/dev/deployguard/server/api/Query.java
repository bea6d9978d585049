package dev.deployguard.server.api;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.Durations;
import java.time.Duration;
import org.eclipse.jetty.util.Fields;

/** Query parameters read with a clear error for a value of the wrong kind. */
final class Query {
    private Query() {
    }

    static long number(Fields query, String name, long dflt) {
        String v = query.getValue(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput(name + " must be a number, got '" + v + "'");
        }
    }

    static Duration duration(String text, String what) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput(what + ": " + e.getMessage());
        }
    }
}
