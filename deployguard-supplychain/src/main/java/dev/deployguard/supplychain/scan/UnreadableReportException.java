package dev.deployguard.supplychain.scan;

/**
 * A scanner report that cannot be read: missing, not JSON, not a format we know, or a known format with a field
 * missing or of the wrong type. The message names the file and, where there is one, the place in it.
 */
public final class UnreadableReportException extends Exception {
    public UnreadableReportException(String message) {
        super(message);
    }

    public UnreadableReportException(String message, Throwable cause) {
        super(message, cause);
    }
}
