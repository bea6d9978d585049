package dev.deployguard.kubernetes.traffic;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.traffic.Track;
import java.util.OptionalInt;

/**
 * How a cluster's edge splits one app's traffic between its stable and canary Services. One implementation per
 * router (ingress-nginx, Gateway API); weights in basis points (10,000 = 100%) as the rollout engine speaks them.
 */
public interface CanaryRoute {

    /** Creates or resets the canary route at weight 0, with header routing ({@code X-Canary: always}) for testers. */
    void open();

    /** Sends {@code basisPoints} of user traffic to the canary Service, the rest to stable: one update. */
    void setWeight(int basisPoints);

    /** The canary's weight as the cluster holds it now; empty when no canary route exists. */
    OptionalInt weight();

    /** Removes the canary route; all traffic goes to the stable Service. Does nothing when there is none. */
    void close();

    /** The header and value that send a tester's request to the canary whatever the weight. */
    String TESTER_HEADER = "X-Canary";
    String TESTER_VALUE = "always";

    /** {@code basisPoints} if it is a weight (0..10000), else a bad-input failure naming the value. */
    static int requireWeight(int basisPoints) {
        if (basisPoints < 0 || basisPoints > Track.FULL) {
            throw DeployGuardException.badInput("canary weight must be within 0..10000 basis points (0..100%), was "
                    + basisPoints);
        }
        return basisPoints;
    }
}
