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
    public static final String CONTROL_PLANE_STARTED = "controlplane.started";
    public static final String OPERATION_REFUSED = "operation.refused";

    private EventKinds() {
    }
}
