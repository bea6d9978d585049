package dev.deployguard.check;

import java.util.List;

/**
 * The stable names of the checks DeployGuard knows, so a spec's {@code checks.skip} can be validated at the edge and
 * a typo is an error instead of a check that silently keeps running. A new check family adds its names here.
 */
public final class CheckNames {
    public static final String LOCAL_COMMAND = "local.command";
    public static final String LOCAL_PORTS = "local.ports";
    public static final String LOCAL_DISK = "local.disk";
    public static final String REGISTRY = "registry";
    public static final String IMAGE_SIGNATURE = "image.signature";
    /** The attestations {@code image.attestations} requires are attached to the digest and signed. */
    public static final String IMAGE_ATTESTATIONS = "image.attestations";
    public static final String VULNERABILITIES = "vulnerabilities";
    public static final String MIGRATIONS = "migrations";
    /** The release being deployed knows the database's schema (no newer contract migration applied). */
    public static final String SCHEMA = "schema";
    public static final String CHART = "chart";
    public static final String CLUSTER_HEALTH = "cluster.health";
    public static final String CLUSTER_PODS = "cluster.pods";
    public static final String CLUSTER_CAPACITY = "cluster.capacity";
    /** The image a rollback puts back is on every node that may run the app (Kubernetes, with prePull). */
    public static final String CLUSTER_ROLLBACK_IMAGE = "cluster.rollback-image";
    /** Whether Argo CD or Flux owns the app and would undo a change made beside it. */
    public static final String GITOPS_OWNER = "gitops.owner";

    /** Every known name, in the order a checklist lists them. */
    public static final List<String> ALL = List.of(LOCAL_COMMAND, LOCAL_PORTS, LOCAL_DISK, REGISTRY, IMAGE_SIGNATURE,
            IMAGE_ATTESTATIONS, VULNERABILITIES, MIGRATIONS, SCHEMA, CHART, CLUSTER_HEALTH, CLUSTER_PODS,
            CLUSTER_CAPACITY, CLUSTER_ROLLBACK_IMAGE, GITOPS_OWNER);

    private CheckNames() {
    }
}
