package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host router loads no Jetty, no Jackson databind and no flight-recorder metadata (issue 16, resident memory): its admin
 * API runs on Netty's HTTP codec in the router's own event loops, its JSON is {@link RouterCodec}. Read from the JVM's own class-loading log after the admin API served every kind of call
 * the control plane makes (add an app, put and read its routes, metrics, health).
 */
class HostRouterClassesIT {
    private static final String TOKEN = "classes-token";

    @TempDir
    Path dir;

    @Test
    void theHostRouterServesItsAdminApiWithoutLoadingJettyOrDatabind() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
        List<String> options = new ArrayList<>(RouterLauncher.DEFAULT_JVM_OPTIONS);
        options.add("-Xlog:class+load=info");
        Path log = dir.resolve("router.log");
        RouterHandle handle = new RouterLauncher().withJvmOptions(options).withStartTimeout(Duration.ofSeconds(60))
                .startHost(new HostRouterConfig(Ports.freeLoopbackPort(), dir.resolve("state"), tokenFile), log);
        try {
            RouterClient host = new RouterClient(handle.adminPort(), TOKEN);
            host.putApp("web", AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()));
            RouterClient web = host.forApp("web");
            web.putRoutes(RouteTable.single("web", 1, 1, List.of("127.0.0.1:" + Ports.freeLoopbackPort())));
            assertThat(web.routes().generation()).isEqualTo(1);
            assertThat(web.metrics()).isNotNull();
            assertThat(host.hostHealth().apps()).containsExactly("web");
            String loaded = Files.readString(log);
            assertThat(loaded).as("the log holds the class-loading lines").contains("io.netty.handler.codec.http")
                    .contains(NettyAdminServer.class.getName());
            assertThat(loaded.lines().filter(line -> line.contains("org.eclipse.jetty")).toList())
                    .as("Jetty classes loaded by the host router").isEmpty();
            assertThat(loaded.lines().filter(line -> line.contains("com.fasterxml.jackson.databind")).toList())
                    .as("Jackson databind classes loaded by the host router (its JSON is RouterCodec)").isEmpty();
            // Netty still asks whether a flight recorder is available (16 small classes); with its events off the
            // JDK's event metadata (about 80 classes and their objects) is never loaded.
            assertThat(loaded.lines().filter(line -> line.contains("jdk.jfr.internal.MetadataRepository")
                    || line.contains("jdk.jfr.internal.PlatformEventType") || line.contains("AllocateChunkEvent"))
                    .toList()).as("flight-recorder metadata loaded by the host router (Netty's JFR events are off)")
                    .isEmpty();
            assertThat(loaded.lines().filter(line -> line.contains("java.text.SimpleDateFormat")).toList())
                    .as("the JDK's date formats and locale data, which databind initialised").isEmpty();
        } finally {
            ProcessHandle.of(handle.pid()).ifPresent(p -> {
                p.destroy();
                p.onExit().join();
            });
        }
    }
}
