package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;

/**
 * Where an app runs on the cluster: its namespace, its Deployment (the stable one) and the Service its traffic
 * reaches it through. The canary's objects are named after them ({@code <deployment>-canary},
 * {@code <service>-canary}), blue/green's slots likewise ({@code <deployment>-blue}, {@code <deployment>-green}).
 */
public record AppWorkload(String namespace, String deployment, String service) {
    public AppWorkload {
        require(namespace, "namespace");
        require(deployment, "deployment");
        require(service, "service");
    }

    private static void require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw DeployGuardException.badInput("platform.kubernetes." + what + " is missing: name the app's " + what);
        }
    }

    String where() {
        return namespace + "/" + deployment;
    }
}
