package dev.deployguard.kubernetes.testing;

/** One request as {@link MockCluster}'s API server saw it: method, path with query, and the status it answered. */
public record ApiCall(String method, String path, int status) {
}
