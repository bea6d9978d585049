package dev.deployguard.local.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.AppListener;
import dev.deployguard.local.router.HostRouterConfig;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterFixture;
import dev.deployguard.local.router.RouterHandle;
import dev.deployguard.local.router.RouterLauncher;
import dev.deployguard.spec.LocalPlatformSpec.ListenAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real router process holds the port: the app's own is recognized, another app's is not. */
class OwnRouterIT {
    @TempDir
    Path dir;
    private RouterHandle router;

    @AfterEach
    void stopRouter() {
        if (router != null) {
            ProcessHandle.of(router.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The router serving the app (a host router, as the control plane runs it), by the listener it keeps. */
    @Test
    void recognizesTheAppsOwnRouter() {
        int port = Ports.freeLoopbackPort();
        var listen = new ListenAddress("127.0.0.1", port);
        try (RouterFixture web = RouterFixture.start(dir, "web", AppListener.plain(listen.toString()), List.of())) {
            assertThat(web.listen()).isEqualTo(listen.toString());
            assertThat(new OwnRouter("web").test(listen)).isTrue();
            assertThat(new OwnRouter("shop").test(listen)).isFalse();
            assertThat(new OwnRouter("web").test(new ListenAddress("127.0.0.1", Ports.freeLoopbackPort()))).isFalse();

            var context = new CheckContext(null, "1.0", Duration.ofSeconds(5), Clock.systemUTC(), null);
            var address = List.of(new LocalPortsCheck.Address(listen, "apps.web.platform.local.listen"));
            assertThat(new LocalPortsCheck(address, new OwnRouter("web")).run(context).status())
                    .isEqualTo(CheckStatus.PASS);
            var other = new LocalPortsCheck(address, new OwnRouter("shop")).run(context);
            assertThat(other.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(other.evidence()).isEqualTo("port " + port + " (127.0.0.1:" + port
                    + ") is in use by another process");
        }
    }

    /** The host router serving every app: the app's listener in its state directory names the address. */
    @Test
    void recognizesTheHostRouterServingTheAppOrItsPreview() throws IOException {
        Path token = Files.writeString(dir.resolve("router.token"), "t0ken\n");
        int admin = Ports.freeLoopbackPort();
        router = new RouterLauncher().withStartTimeout(Duration.ofSeconds(30)).startHost(new HostRouterConfig(admin,
                dir.resolve("routers"), token), dir.resolve("host-router.log"));
        int port = Ports.freeLoopbackPort();
        int preview = Ports.freeLoopbackPort();
        RouterClient client = new RouterClient(admin, "t0ken");
        client.putApp("web", AppListener.plain("127.0.0.1:" + port));
        client.putApp("web-preview", AppListener.plain("127.0.0.1:" + preview));

        assertThat(new OwnRouter("web").test(new ListenAddress("127.0.0.1", port))).isTrue();
        assertThat(new OwnRouter("web").test(new ListenAddress("127.0.0.1", preview))).isTrue();
        assertThat(new OwnRouter("shop").test(new ListenAddress("127.0.0.1", port))).isFalse();
        assertThat(new OwnRouter("web").test(new ListenAddress("127.0.0.1", Ports.freeLoopbackPort()))).isFalse();
        var context = new CheckContext(null, "1.0", Duration.ofSeconds(5), Clock.systemUTC(), null);
        var address = List.of(new LocalPortsCheck.Address(new ListenAddress("127.0.0.1", port),
                "apps.web.platform.local.listen"));
        assertThat(new LocalPortsCheck(address, new OwnRouter("web")).run(context).status())
                .isEqualTo(CheckStatus.PASS);
        assertThat(new LocalPortsCheck(address, new OwnRouter("shop")).run(context).status())
                .isEqualTo(CheckStatus.FAIL);
    }
}
