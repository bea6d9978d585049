package dev.deployguard.supplychain.registry;

/** A registry request that did not give an answer DeployGuard can use; {@link #kind()} says which way it failed. */
public class RegistryException extends Exception {
    /** How a request failed, from "try another registry" to "this registry says no". */
    public enum Kind {
        /** No answer: connection refused, timeout, or a 5xx; another registry may serve. */
        UNREACHABLE,
        /** The registry answered that the manifest, tag or blob does not exist. */
        NOT_FOUND,
        /** The registry refused access (401/403 even after a token). */
        DENIED,
        /** The answer cannot be trusted or read: digest mismatch, unexpected status or body. */
        INVALID
    }

    private final Kind kind;
    private final String host;

    public RegistryException(Kind kind, String host, String message) {
        super(message);
        this.kind = kind;
        this.host = host;
    }

    public RegistryException(Kind kind, String host, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.host = host;
    }

    public Kind kind() {
        return kind;
    }

    /** The registry host[:port] that failed. */
    public String host() {
        return host;
    }
}
