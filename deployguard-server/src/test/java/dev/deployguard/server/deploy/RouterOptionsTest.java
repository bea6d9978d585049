package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.local.router.AppListener;
import dev.deployguard.spec.LocalPlatformSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterOptionsTest {
    @TempDir
    Path dir;

    private static final RouterOptions FULL = new RouterOptions("127.0.0.1:8443", Path.of("/t/c.pem"),
            Path.of("/t/k.pem"), Path.of("/l/access.log"));

    @Test
    void comeFromTheSpec() {
        var listen = new LocalPlatformSpec.ListenAddress("127.0.0.1", 8080);
        var local = new LocalPlatformSpec(List.of("srv", "${port}"), Map.of(), 1, dir, listen,
                new LocalPlatformSpec.Readiness("/", Duration.ofSeconds(1), Duration.ofMillis(100)),
                new LocalPlatformSpec.Stop(dev.deployguard.spec.StopSignal.TERM, Duration.ofSeconds(1)), true,
                new LocalPlatformSpec.Tls(new LocalPlatformSpec.ListenAddress("127.0.0.1", 8443),
                        Path.of("/t/c.pem"), Path.of("/t/k.pem")), Path.of("/l/access.log"));
        assertThat(RouterOptions.of(local)).isEqualTo(FULL);
        var plain = new LocalPlatformSpec(local.command(), local.env(), 1, dir, listen, local.readiness(),
                local.stop(), true);
        assertThat(RouterOptions.of(plain)).isEqualTo(RouterOptions.NONE);
    }

    @Test
    void becomeTheHostRoutersListenerAndAreReadBackFromIt() {
        AppListener listener = FULL.listener("127.0.0.1:8080");
        assertThat(listener).isEqualTo(new AppListener("127.0.0.1:8080", "127.0.0.1:8443", "/t/c.pem", "/t/k.pem",
                "/l/access.log"));
        assertThat(RouterOptions.of(listener)).isEqualTo(FULL);
        assertThat(RouterOptions.NONE.listener("127.0.0.1:8080")).isEqualTo(AppListener.plain("127.0.0.1:8080"));
        assertThat(RouterOptions.of(AppListener.plain("127.0.0.1:8080"))).isEqualTo(RouterOptions.NONE);
    }

    @Test
    void surviveInTheirFileAndNoneRemovesIt() throws Exception {
        Path file = dir.resolve("web.options");
        FULL.save(file);
        assertThat(RouterOptions.load(file)).isEqualTo(FULL);
        RouterOptions logOnly = new RouterOptions(null, null, null, Path.of("/l/a b.log"));
        logOnly.save(file);
        assertThat(RouterOptions.load(file)).isEqualTo(logOnly);
        RouterOptions.NONE.save(file);
        assertThat(file).doesNotExist();
        assertThat(RouterOptions.load(file)).isEqualTo(RouterOptions.NONE);
    }

    @Test
    void describeWhatChanges() {
        assertThat(RouterOptions.NONE.describe()).isEqualTo("no HTTPS, no access log");
        assertThat(FULL.describe()).isEqualTo("HTTPS on 127.0.0.1:8443 (cert /t/c.pem, key /t/k.pem),"
                + " access log /l/access.log");
        assertThat(Files.exists(dir)).isTrue();
    }
}
