package dev.deployguard.store.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Tells whether a control plane runs on a state directory, from the {@code server.json} it writes when it starts. */
public final class LiveControlPlane {
    private LiveControlPlane() {
    }

    /** The pid of the control plane serving {@code stateDir}, if one runs (a stale server.json is ignored). */
    public static Optional<Long> pid(Path stateDir) {
        Path info = stateDir.resolve("server.json");
        if (!Files.exists(info)) {
            return Optional.empty();
        }
        try {
            long pid = new ObjectMapper().readTree(info.toFile()).path("pid").asLong(-1);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> pid);
        } catch (IOException e) {
            // Being written at this moment: a server is starting.
            return Optional.of(-1L);
        }
    }

    static void refuseIfRunning(Path stateDir) {
        Optional<Long> pid = pid(stateDir);
        if (pid.isPresent()) {
            throw new DeployGuardException(ExitCode.BUSY, "a control plane (pid " + pid.get() + ") is running on "
                    + stateDir + "; a restore never runs under a live control plane: stop it (its apps and routers"
                    + " keep serving), run the restore, then start it again to re-adopt them. Nothing was restored");
        }
    }
}
