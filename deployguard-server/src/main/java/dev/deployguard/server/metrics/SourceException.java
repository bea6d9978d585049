package dev.deployguard.server.metrics;

/** Why a metric source could not answer; turned into a missing window, never thrown out of a source. */
final class SourceException extends Exception {
    private static final long serialVersionUID = 1L;

    SourceException(String reason) {
        super(reason);
    }
}
