package dev.deployguard.kubernetes.helm;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Helm's release storage in one namespace (the Secrets driver, helm's default): one Secret per revision. Writes
 * follow helm's driver: a revision is created once ({@code createdAt} label) and rewritten whole when its status
 * changes ({@code modifiedAt} label, the user's own labels kept). Each write is one Secret, so no record is ever
 * half-written; the order of writes across records is the callers' business.
 */
public final class HelmReleaseStorage {
    private static final int CONFLICT_RETRIES = 5;

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;

    public HelmReleaseStorage(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    public String namespace() {
        return namespace;
    }

    KubernetesClient client() {
        return client;
    }

    Clock clock() {
        return clock;
    }

    /**
     * All readable revisions of a release, oldest first; empty when there is no such release. Records that cannot
     * be decoded are skipped, as helm skips them.
     */
    public List<HelmRelease> history(String release) {
        List<Secret> secrets;
        try {
            secrets = client.secrets().inNamespace(namespace)
                    .withLabels(Map.of("owner", HelmReleaseCodec.OWNER, "name", release)).list().getItems();
        } catch (KubernetesClientException e) {
            throw ApiFailures.onRecord(e, "list", namespace, null, client);
        }
        List<HelmRelease> revisions = new ArrayList<>();
        for (Secret s : secrets) {
            if (!HelmReleaseCodec.SECRET_TYPE.equals(s.getType())) {
                continue;
            }
            try {
                HelmRelease r = HelmReleaseCodec.fromSecret(s);
                if (r.name().equals(release)) {
                    revisions.add(r);
                }
            } catch (IllegalArgumentException skipped) {
                // helm's driver logs and skips a record it cannot decode; history shows the others
            }
        }
        revisions.sort(Comparator.comparingInt(HelmRelease::version));
        return revisions;
    }

    /**
     * The revisions of a release, oldest first.
     *
     * @throws DeployGuardException NOT_FOUND when the release has no revision here (naming a missing namespace)
     */
    public List<HelmRelease> requireHistory(String release) {
        List<HelmRelease> revisions = history(release);
        if (revisions.isEmpty()) {
            throw DeployGuardException.notFound(namespaceExists()
                    ? "Helm release '" + release + "' not found in namespace " + namespace
                            + ": there is no Secret sh.helm.release.v1." + release + ".vN there. Check the release "
                            + "name and namespace (helm list -n " + namespace + ")."
                    : "Namespace " + namespace + " does not exist, so Helm release '" + release
                            + "' cannot be there. Check the namespace in the app's spec.");
        }
        return revisions;
    }

    /** One revision, if it is stored and readable. */
    public Optional<HelmRelease> get(String release, int version) {
        Secret s;
        try {
            s = client.secrets().inNamespace(namespace).withName(HelmRelease.key(release, version)).get();
        } catch (KubernetesClientException e) {
            throw ApiFailures.onRecord(e, "get", namespace, HelmRelease.key(release, version), client);
        }
        if (s == null) {
            return Optional.empty();
        }
        return Optional.of(decode(s));
    }

    /**
     * Stores a new revision, as helm's driver {@code Create} does.
     *
     * @throws DeployGuardException BUSY when the revision exists already (another operation got there first)
     */
    public void create(HelmRelease release) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("createdAt", Long.toString(clock.instant().getEpochSecond()));
        Secret secret = HelmReleaseCodec.toSecret(inThisNamespace(release), labels);
        try {
            client.secrets().inNamespace(namespace).resource(secret).create();
        } catch (KubernetesClientException e) {
            if (ApiFailures.isConflict(e)) {
                throw new DeployGuardException(ExitCode.BUSY, "Helm release '" + release.name() + "' already has a "
                        + "revision " + release.version() + " in namespace " + namespace + ": another helm or "
                        + "DeployGuard operation is running on it. Wait for it to finish, then try again.", e);
            }
            throw ApiFailures.onRecord(e, "create", namespace, release.key(), client);
        }
    }

    /** Rewrites a stored revision (a status change), as helm's driver {@code Update} does; retried on conflict. */
    public void update(HelmRelease release) {
        HelmRelease stored = inThisNamespace(release);
        for (int attempt = 1; ; attempt++) {
            try {
                Secret current = client.secrets().inNamespace(namespace).withName(stored.key()).get();
                if (current == null) {
                    throw DeployGuardException.notFound("The Helm release record " + stored.key() + " disappeared "
                            + "from namespace " + namespace + " while DeployGuard was updating it (was the release "
                            + "uninstalled?). Check helm history " + stored.name() + ".");
                }
                Map<String, String> labels = HelmReleaseCodec.customLabels(current);
                labels.put("modifiedAt", Long.toString(clock.instant().getEpochSecond()));
                Secret secret = HelmReleaseCodec.toSecret(stored, labels);
                secret.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
                client.secrets().inNamespace(namespace).resource(secret).update();
                return;
            } catch (KubernetesClientException e) {
                if (!ApiFailures.isConflict(e) || attempt >= CONFLICT_RETRIES) {
                    throw ApiFailures.onRecord(e, "update", namespace, stored.key(), client);
                }
            }
        }
    }

    /** Removes a revision's record (an atomic install that failed leaves no release behind, as helm's does). */
    public void delete(HelmRelease release) {
        try {
            client.secrets().inNamespace(namespace).withName(release.key()).delete();
        } catch (KubernetesClientException e) {
            throw ApiFailures.onRecord(e, "delete", namespace, release.key(), client);
        }
    }

    /** Whether the namespace exists; true when that cannot be read (namespaced RBAC often may not). */
    boolean namespaceExists() {
        try {
            return client.namespaces().withName(namespace).get() != null;
        } catch (KubernetesClientException e) {
            return true;
        }
    }

    private HelmRelease inThisNamespace(HelmRelease release) {
        return release.namespace().equals(namespace) ? release : release.edit(doc -> doc.put("namespace", namespace));
    }

    private HelmRelease decode(Secret s) {
        try {
            return HelmReleaseCodec.fromSecret(s);
        } catch (IllegalArgumentException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "Secret " + s.getMetadata().getName() + " in namespace "
                    + namespace + " is not a readable Helm release record: " + e.getMessage()
                    + ". Inspect it with kubectl get secret -o yaml; helm itself skips such a record.");
        }
    }
}
