package dev.deployguard.server.request;

import dev.deployguard.error.DeployGuardException;
import java.util.Locale;

/**
 * What a token may do, each role including the ones before it: a viewer reads, an operator also acts on rollouts
 * (deploy, promote, abort, pause, resume, rollback, stop, drills, incidents), an admin also manages tokens, backups
 * and deletes apps.
 */
public enum Role {
    VIEWER, OPERATOR, ADMIN;

    /** True when this role may call an endpoint that needs {@code needed}. */
    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** The lowercase name used in flags, JSON and docs ({@code viewer}, {@code operator}, {@code admin}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code viewer|operator|admin} (any case); anything else is bad input naming the choices. */
    public static Role parse(String text) {
        if (text != null) {
            for (Role r : values()) {
                if (r.label().equalsIgnoreCase(text.trim())) {
                    return r;
                }
            }
        }
        throw DeployGuardException.badInput("unknown role '" + text + "'; expected one of viewer, operator, admin");
    }
}
