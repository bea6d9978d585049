package dev.deployguard.leader;

/**
 * One replica's standing in a leader election: the control plane starts it, acts only while {@link #isLeader}, and
 * stops its work when told it stopped leading.
 */
public interface Leadership extends AutoCloseable {
    /** This replica's name in the election (host and process id). */
    String identity();

    /**
     * Stands for election until {@link #close}; {@code onStartedLeading} runs each time this replica becomes leader,
     * {@code onStoppedLeading} each time it stops (lost lease or close). Callbacks must return promptly.
     */
    void start(Runnable onStartedLeading, Runnable onStoppedLeading);

    /** Whether this replica leads now (won the election and renewed within its deadline). */
    boolean isLeader();

    /** The identity last seen as leader, or null before anyone was seen. */
    String currentLeader();

    /** Where the leader is recorded, for messages: e.g. "the Lease's holderIdentity". */
    String recordedIn();

    /** Why this replica last stopped leading, for the event that says so. */
    default String whyStopped() {
        return "lease lost or shutting down";
    }

    /** Stops standing and leading; does not throw. */
    @Override
    void close();
}
