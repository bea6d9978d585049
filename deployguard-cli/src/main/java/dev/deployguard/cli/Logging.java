package dev.deployguard.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps library chatter (Flyway, Jetty, gRPC of the etcd client) off the terminal; DeployGuard reports through
 * events and its own output.
 */
final class Logging {
    private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");
    private static final Logger JETTY = Logger.getLogger("org.eclipse.jetty");
    private static final Logger GRPC = Logger.getLogger("io.grpc");

    private Logging() {
    }

    static void quiet() {
        FLYWAY.setLevel(Level.WARNING);
        JETTY.setLevel(Level.WARNING);
        GRPC.setLevel(Level.WARNING);
    }
}
