package dev.deployguard.event;

/** The kinds of events DeployGuard records; stable strings, shown in timelines and used by reports. */
public final class EventKinds {
    public static final String DEPLOY_STARTED = "deploy.started";
    public static final String DEPLOY_SUCCEEDED = "deploy.succeeded";
    public static final String DEPLOY_FAILED = "deploy.failed";
    public static final String ATOMIC_ROLLBACK = "deploy.atomic-rollback";
    public static final String ROLLBACK_STARTED = "rollback.started";
    public static final String ROLLBACK_SUCCEEDED = "rollback.succeeded";
    public static final String ROLLBACK_FAILED = "rollback.failed";
    /** A rollback target's schema compatibility: compatible, or an expand-only gap (allowed). */
    public static final String ROLLBACK_SCHEMA_CHECKED = "rollback.schema-checked";
    /** A rollback refused: the database holds a contract migration newer than the target knows (or cannot tell). */
    public static final String ROLLBACK_SCHEMA_REFUSED = "rollback.schema-refused";
    /** A rollback past an incompatible schema that an operator forced with --force-schema. */
    public static final String ROLLBACK_SCHEMA_FORCED = "rollback.schema-forced";
    /** Migrations ran (data: phase expand|contract, applied versions, output with secrets masked). */
    public static final String MIGRATION_RAN = "migration.ran";
    /** A migration run failed (data: phase, output with secrets masked). */
    public static final String MIGRATION_FAILED = "migration.failed";
    /** A deploy held contract migrations back until its rollout and bake have ended (data: versions). */
    public static final String MIGRATION_HELD = "migration.held";
    /** A migration run was refused before anything ran (a rollout in progress, credentials unset). */
    public static final String MIGRATION_REFUSED = "migration.refused";
    public static final String TRAFFIC_SWITCHED = "traffic.switched";
    public static final String INSTANCE_STARTED = "instance.started";
    public static final String INSTANCE_READY = "instance.ready";
    public static final String INSTANCE_STOPPED = "instance.stopped";
    public static final String INSTANCE_CRASHED = "instance.crashed";
    public static final String INSTANCE_RESTARTED = "instance.restarted";
    public static final String INSTANCE_ADOPTED = "instance.adopted";
    public static final String ROUTER_STARTED = "router.started";
    public static final String ROUTER_ADOPTED = "router.adopted";
    public static final String ROUTER_CRASHED = "router.crashed";
    /**
     * A router or instance keeps dying: recorded once per crash loop (not per attempt); restarts go on with backoff
     * and an incident is opened for it.
     */
    public static final String CRASH_LOOP = "crashloop.detected";
    public static final String CONTROL_PLANE_STARTED = "controlplane.started";
    /** A replica won the leader lease: it adopts and runs supervision and rollouts from now on. */
    public static final String CONTROL_PLANE_LEADING = "controlplane.leading";
    /** A replica lost (or gave up) the leader lease: its tickers stopped. */
    public static final String CONTROL_PLANE_FOLLOWING = "controlplane.following";
    public static final String OPERATION_REFUSED = "operation.refused";
    /** A Kubernetes Deployment's rollout status line changed (as {@code kubectl rollout status} prints it). */
    public static final String KUBERNETES_ROLLOUT_STATUS = "kubernetes.rollout-status";
    /** A line of the pre-pull DaemonSet's progress (platform.kubernetes.prePull), and its end. */
    public static final String KUBERNETES_PREPULL = "kubernetes.prepull";
    public static final String CHECKS_PASSED = "checks.passed";
    public static final String CHECKS_FAILED = "checks.failed";
    public static final String CHECKS_SKIPPED = "checks.skipped";
    public static final String ROLLOUT_STARTED = "rollout.started";
    /** A rollout is stored and its new release is being prepared on its platform (no traffic on it yet). */
    public static final String ROLLOUT_PREPARING = "rollout.preparing";
    /** The new release was not ready by the preparation's deadline: the rollout is rolled back. */
    public static final String ROLLOUT_PREPARATION_FAILED = "rollout.preparation-failed";
    /** A running rollout is held: its new release does not serve (a canary Deployment lost readiness). */
    public static final String ROLLOUT_HELD = "rollout.held";
    /** A held rollout's new release serves again: the rollout goes on where it was held. */
    public static final String ROLLOUT_READY_AGAIN = "rollout.ready-again";
    public static final String ANALYSIS_VERDICT = "analysis.verdict";
    /** A custom metric's measurement (data: metric, phase, value, the metric's phase and counters). */
    public static final String ANALYSIS_METRIC = "analysis.metric";
    public static final String ROLLBACK_AUTOMATIC = "rollback.automatic";
    public static final String DRILL_STARTED = "drill.started";
    public static final String DRILL_STEP = "drill.step";
    public static final String DRILL_FINISHED = "drill.finished";
    public static final String INCIDENT_OPENED = "incident.opened";
    public static final String INCIDENT_NOTED = "incident.noted";
    public static final String INCIDENT_CLOSED = "incident.closed";
    /** Router traffic per second around an incident, captured when it opens and closes (the router keeps 5 min). */
    public static final String INCIDENT_TRAFFIC = "incident.traffic";
    public static final String NOTIFICATION_FAILED = "notification.failed";
    /** The image tag was resolved and pinned to a digest (data: repository, tag, digest, registry, verified). */
    public static final String IMAGE_PINNED = "image.pinned";
    /** A deploy refused the image: bad or missing signature, or no registry answered. */
    public static final String IMAGE_REFUSED = "image.refused";
    /** The primary registry failed and a mirror served the image. */
    public static final String IMAGE_MIRROR_USED = "image.mirror-used";
    /** No registry answered and the last known-good release's digest was deployed (lastKnownGood: use). */
    public static final String IMAGE_LAST_KNOWN_GOOD_USED = "image.last-known-good-used";

    private EventKinds() {
    }
    /** A backup of DeployGuard's own state was written and verified by a restore into a scratch target. */
    public static final String BACKUP_CREATED = "backup.created";
    /** A backup could not be written or did not verify; it is kept, marked failed, and never restored from. */
    public static final String BACKUP_FAILED = "backup.failed";
    /** {@code backup verify} restored a backup into a scratch target and compared it. */
    public static final String BACKUP_VERIFIED = "backup.verified";
    /** The state was restored from a backup (recorded in the restored store). */
    public static final String BACKUP_RESTORED = "backup.restored";
    /** An API action that was carried out (any 2xx answer to a call that changes something). */
    public static final String AUDIT_ACTION = "audit.action";
    /** An API action refused before it ran: no or a wrong token (401), or a role too low for it (403). */
    public static final String AUDIT_REFUSED = "audit.refused";
    /** An API action that was allowed but failed (bad input, busy app, not the leader, an error). */
    public static final String AUDIT_FAILED = "audit.failed";
    /**
     * A rollback's restore commit could not be written yet (git unreachable, push rejected twice): the cluster runs
     * the rolled-back release, git still says otherwise; retried until {@link #GITOPS_GIT_RESTORED}.
     */
    public static final String GITOPS_GIT_PENDING = "gitops.git.pending";
    /** Git caught up: the restore commit was pushed, or git's head no longer deploys the bad revision. */
    public static final String GITOPS_GIT_RESTORED = "gitops.git.restored";
    /** The restore commit cannot be written as asked (no good commit in the history); a person must act. */
    public static final String GITOPS_GIT_FAILED = "gitops.git.failed";
    /** The GitOps controller changed back a field DeployGuard set (data: field, expected, actual, manager, owner). */
    public static final String GITOPS_FIGHT = "gitops.fight";
    /** DeployGuard paused an owner's automation (Argo CD auto-sync off, Flux suspend) before or after acting. */
    public static final String GITOPS_PAUSED = "gitops.paused";
    /**
     * {@code gitops resume} turned the owner's automation back on (data: owner, forced, check: what the safety check
     * said; forced true when {@code --force} overrode a refusal).
     */
    public static final String GITOPS_RESUMED = "gitops.resumed";
    /** The GitOps owner found before acting (a drill), or one DeployGuard cannot pause (only a field manager names it). */
    public static final String GITOPS_OWNER = "gitops.owner";
}
