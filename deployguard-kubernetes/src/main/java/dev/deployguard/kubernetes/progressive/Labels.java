package dev.deployguard.kubernetes.progressive;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels and annotations DeployGuard puts on what it manages, and copying maps with one key changed. */
public final class Labels {
    /** Which track a pod serves: {@code stable} or {@code canary}; the two Services select on it. */
    public static final String TRACK = "deployguard.dev/track";
    /** Which blue/green slot a pod belongs to: {@code blue} or {@code green}; the Service selects on it. */
    public static final String SLOT = "deployguard.dev/slot";
    /** Kubernetes' own record of why a Deployment revision exists, shown by {@code kubectl rollout history}. */
    public static final String CHANGE_CAUSE = "kubernetes.io/change-cause";
    /**
     * DeployGuard's revision a blue/green slot runs, on the slot's Deployment (the controller copies it to the
     * ReplicaSet): the slots have their own Deployment revisions, so status and history need this to tell which
     * release of the app each slot holds.
     */
    public static final String REVISION = "deployguard.dev/revision";
    /** Who deployed what a blue/green slot runs (DeployGuard's actor). */
    public static final String DEPLOYED_BY = "deployguard.dev/deployed-by";
    /**
     * On a slot that a rollback filled: the app's earlier revision whose pod template it runs (the slot's own
     * revision is a new one, as a local rollback makes a new release).
     */
    public static final String ROLLED_BACK_TO = "deployguard.dev/rolled-back-to-revision";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String STABLE = "stable";
    public static final String CANARY = "canary";

    private Labels() {
    }

    /** A copy of {@code map} (null counts as empty) with {@code key} set to {@code value}. */
    static Map<String, String> with(Map<String, String> map, String key, String value) {
        Map<String, String> copy = map == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map);
        copy.put(key, value);
        return copy;
    }
}
