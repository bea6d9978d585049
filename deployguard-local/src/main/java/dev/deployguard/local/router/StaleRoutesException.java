package dev.deployguard.local.router;

/**
 * The router holds a newer route table than the one sent (HTTP 409): another control plane, or an earlier run of
 * this one, has moved on. Read the router's routes and decide from there instead of overwriting them.
 */
public class StaleRoutesException extends RouterRejectedException {
    public StaleRoutesException(String message) {
        super(409, message);
    }
}
