package dev.deployguard.kubernetes.traffic;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Writes to the API server as DeployGuard makes them: a read-modify-write is retried from a fresh read when another
 * writer got there first (409), a bounded number of times; every other failure becomes a message saying what was
 * being done and what to do about it.
 */
public final class ClusterCalls {
    /** Attempts of one read-modify-write before a conflict is reported. */
    public static final int MAX_ATTEMPTS = 5;

    private ClusterCalls() {
    }

    /** Runs {@code readModifyWrite} (which must re-read the object each time) until it gets no 409. */
    public static <T> T retryOnConflict(String what, Supplier<T> readModifyWrite) {
        for (int attempt = 1; ; attempt++) {
            try {
                return readModifyWrite.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < MAX_ATTEMPTS) {
                    continue;
                }
                throw translate(what, e);
            }
        }
    }

    /** Runs one call, translating its failure. */
    public static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw translate(what, e);
        }
    }

    /** The failure of {@code what} as a person reads it: RBAC, missing object, conflict, unreachable server. */
    public static DeployGuardException translate(String what, KubernetesClientException e) {
        int code = e.getCode();
        if (code == 403) {
            return new DeployGuardException(ExitCode.FAILURE, "forbidden while trying to " + what
                    + ": the service account lacks an RBAC permission; grant it (deploy/kubernetes/rbac.yaml lists"
                    + " what DeployGuard needs)", e);
        }
        if (code == 404) {
            return new DeployGuardException(ExitCode.NOT_FOUND, "not found while trying to " + what
                    + ": check the namespace and names in platform.kubernetes", e);
        }
        if (code == 409) {
            return new DeployGuardException(ExitCode.BUSY, "could not " + what + ": the object changed under us "
                    + MAX_ATTEMPTS + " times in a row (another writer is busy with it); retry when it is quiet", e);
        }
        if (code == 0 || hasIoCause(e)) {
            return new DeployGuardException(ExitCode.UNREACHABLE, "the Kubernetes API server is unreachable while"
                    + " trying to " + what + " (" + rootMessage(e) + "); check the kubeconfig or in-cluster address", e);
        }
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : rootMessage(e);
        return new DeployGuardException(ExitCode.FAILURE, "the API server answered " + code + " while trying to "
                + what + ": " + reason, e);
    }

    private static boolean hasIoCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
