package dev.deployguard.local.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.spec.LocalPlatformSpec.ListenAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalPortsCheckTest {
    private static final CheckContext CONTEXT = new CheckContext(null, "1.0", Duration.ofSeconds(5),
            Clock.systemUTC(), null);

    private static ServerSocket listening() throws IOException {
        var s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return s;
    }

    private static int freePort() throws IOException {
        try (var s = listening()) {
            return s.getLocalPort();
        }
    }

    private static LocalPortsCheck.Address address(String host, int port, String field) {
        return new LocalPortsCheck.Address(new ListenAddress(host, port), field);
    }

    @Test
    void passesWhenTheAddressesAreFree() throws IOException {
        int listen = freePort();
        int preview = freePort();

        CheckResult r = new LocalPortsCheck(List.of(address("127.0.0.1", listen, "listen"),
                address("127.0.0.1", preview, "preview")), a -> false).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("127.0.0.1:" + listen + ", 127.0.0.1:" + preview + " are free");
    }

    @Test
    void failsNamingThePortWhenAnotherProcessListens() throws IOException {
        try (var other = listening()) {
            int port = other.getLocalPort();

            CheckResult r = new LocalPortsCheck(List.of(address("127.0.0.1", port,
                    "apps.web.platform.local.listen")), a -> false).run(CONTEXT);

            assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
            assertThat(r.evidence()).isEqualTo("port " + port + " (127.0.0.1:" + port
                    + ") is in use by another process");
            assertThat(r.remedy()).contains("apps.web.platform.local.listen");
        }
    }

    @Test
    void passesWhenTheAppsOwnRouterHoldsIt() throws IOException {
        try (var router = listening()) {
            int port = router.getLocalPort();
            var own = new ListenAddress("127.0.0.1", port);

            CheckResult r = new LocalPortsCheck(List.of(address("127.0.0.1", port, "listen")), own::equals)
                    .run(CONTEXT);

            assertThat(r.status()).isEqualTo(CheckStatus.PASS);
            assertThat(r.evidence()).isEqualTo("127.0.0.1:" + port + " is held by this app's own DeployGuard router");
        }
    }

    @Test
    void cannotTellForAnAddressThatIsNotThisMachines() {
        // 192.0.2.0/24 is TEST-NET-1: never assigned to a host, so binding to it fails.
        CheckResult r = new LocalPortsCheck(List.of(address("192.0.2.1", 8080, "listen")), a -> false).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).startsWith("cannot tell whether 192.0.2.1:8080 is free: ");
        assertThat(r.remedy()).contains("listen");
    }

    @Test
    void cannotTellForAHostThatDoesNotResolve() {
        CheckResult r = new LocalPortsCheck(List.of(address("no-such-host.invalid", 8080, "listen")), a -> false)
                .run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).isEqualTo("cannot tell whether no-such-host.invalid:8080 is free: host"
                + " 'no-such-host.invalid' does not resolve");
    }
}
