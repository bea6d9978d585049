package dev.deployguard.release;

import dev.deployguard.error.DeployGuardException;
import java.util.regex.Pattern;

/**
 * The rules for what people type that ends up in history, events and image tags: versions and change causes.
 * Checked at the edge (API and CLI) so a bad value is refused with the rule, before anything is written — never a
 * newline that forges a history row or a database error about column sizes.
 */
public final class Identifiers {
    /** Docker's tag grammar: a version can become an image tag through {@code ${version}}. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    public static final int MAX_CHANGE_CAUSE = 1024;

    private Identifiers() {
    }

    /** Returns {@code version} when it follows the rule; otherwise throws a bad-input error that states the rule. */
    public static String version(String version) {
        if (version == null || version.isBlank()) {
            throw DeployGuardException.badInput("--version is required and must not be blank");
        }
        if (!VERSION.matcher(version).matches()) {
            throw DeployGuardException.badInput("invalid version '" + shown(version) + "': a version is 1-128"
                    + " characters of letters, digits, '_', '.' and '-', not starting with '.' or '-' (as an image"
                    + " tag), e.g. v1.4.2");
        }
        return version;
    }

    /** A change cause is free text on one line: no control characters, at most {@value #MAX_CHANGE_CAUSE} chars. */
    public static String changeCause(String cause) {
        if (cause == null) {
            return null;
        }
        if (cause.length() > MAX_CHANGE_CAUSE) {
            throw DeployGuardException.badInput("the change cause is " + cause.length() + " characters; at most "
                    + MAX_CHANGE_CAUSE + " are kept — shorten it or link to the details");
        }
        if (cause.chars().anyMatch(Character::isISOControl)) {
            throw DeployGuardException.badInput("the change cause contains a control character (a newline or tab?);"
                    + " it must be one line of text");
        }
        return cause;
    }

    /** The value as it can be shown in one line of an error: control characters escaped, long values cut. */
    static String shown(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 60; i++) {
            char c = value.charAt(i);
            out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return value.length() > 60 ? out + "…(" + value.length() + " characters)" : out.toString();
    }
}
