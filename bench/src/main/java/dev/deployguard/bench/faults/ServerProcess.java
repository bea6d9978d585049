package dev.deployguard.bench.faults;

import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.api.ApiServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * The control plane as its own process ({@code STATE_DIR SPEC PORT}), as {@code deployguard server} runs it, so the
 * fault suite can {@code kill -9} and {@code SIGSTOP} it while the routers and instances it started keep running.
 */
public final class ServerProcess {
    private ServerProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        var cp = new ControlPlane(new ControlPlane.Config(Path.of(args[0]), Path.of(args[1]), null, null, null),
                Clock.systemUTC());
        cp.start();
        var api = new ApiServer(cp, "127.0.0.1", Integer.parseInt(args[2]), false);
        api.start();
        System.out.println("control plane ready on " + api.url());
        new CountDownLatch(1).await();
    }
}
