package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host router's class-data archive for real (issue 16: resident memory, the 1 s restart): trained by a JVM with
 * {@code -XX:ArchiveClassesAtExit} from the router's jar, mapped by the next host router (its classes then come from
 * the archive, by the JVM's class-loading log), and a corrupt archive, even one whose stamp was forged to fit, never
 * stops a router from starting. The router's jar is made here from this JVM's class path as {@link RouterClassPath}
 * makes it from a distribution jar (a class-data archive holds classes of jars only).
 */
class RouterCdsIT {
    private static final String TOKEN = "cds-token";
    private static final String FROM_ARCHIVE = "source: shared objects file (top)";

    @TempDir
    Path dir;

    @Test
    void aHostRouterMapsTheTrainedArchiveAndStartsDespiteACorruptOne() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path dist = routerJar(Files.createDirectories(dir.resolve("dist")).resolve("router-it-1-1.jar"));
        Files.writeString(dir.resolve("token"), TOKEN);
        List<String> options = new ArrayList<>(RouterLauncher.DEFAULT_JVM_OPTIONS);
        options.add("-Xlog:class+load=info");
        RouterLauncher launcher = new RouterLauncher().withClassPath(dist.toString()).withCacheDir(cache)
                .withJvmOptions(options).withStartTimeout(Duration.ofSeconds(60));
        // The jar the router runs from: a copy in the cache if it is large enough to be trimmed, else itself.
        Path jar = Path.of(RouterClassPath.lean(dist.toString(), cache));
        Path jsa = RouterCds.archiveOf(jar);
        assertThat(RouterCds.options(jar)).as("no archive before the training").isEmpty();

        assertThat(launcher.trainClassData(dir.resolve("state"))).as("trained; its log: " + log(jsa)).isTrue();
        assertThat(jsa).isRegularFile();
        assertThat(RouterCds.usable(jsa)).isTrue();

        String mapped = serve(launcher, "mapped");
        assertThat(line(mapped, HostRouterMain.class.getName())).as("the router's main class")
                .contains(FROM_ARCHIVE);
        assertThat(line(mapped, "io.netty.channel.AbstractChannel")).as("a Netty class").contains(FROM_ARCHIVE);

        // Garbage of the archive's length under its name, and a stamp forged to fit it: the JVM refuses the archive
        // (-Xshare:auto) and the router starts without it.
        byte[] garbage = new byte[(int) Files.size(jsa)];
        java.util.Arrays.fill(garbage, (byte) 0x5a);
        Files.write(jsa, garbage);
        Files.writeString(RouterCds.stamp(jsa), RouterCds.stampOf(jsa), StandardCharsets.UTF_8);
        assertThat(RouterCds.options(jar)).as("the forged stamp fits").isNotEmpty();

        String corrupt = serve(launcher, "corrupt");
        assertThat(line(corrupt, HostRouterMain.class.getName())).as("loaded from its jar")
                .doesNotContain(FROM_ARCHIVE).contains("source: file:");
    }

    /** Starts a host router, serves one app through it, stops it: its log (the class-loading lines). */
    private String serve(RouterLauncher launcher, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        RouterHandle handle = launcher.startHost(new HostRouterConfig(Ports.freeLoopbackPort(), dir.resolve(name),
                dir.resolve("token")), log);
        try {
            RouterClient host = new RouterClient(handle.adminPort(), TOKEN);
            host.putApp("web", AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()));
            host.forApp("web").putRoutes(RouteTable.single("web", 1, 1,
                    List.of("127.0.0.1:" + Ports.freeLoopbackPort())));
            assertThat(host.hostHealth().apps()).containsExactly("web");
        } finally {
            ProcessHandle.of(handle.pid()).ifPresent(p -> {
                p.destroy();
                p.onExit().join();
            });
        }
        return Files.readString(log);
    }

    private static String line(String log, String className) {
        return log.lines().filter(l -> l.contains(" " + className + " ")).findFirst().orElse("(not loaded)");
    }

    private static String log(Path jsa) {
        try {
            return Files.readString(RouterCds.log(jsa));
        } catch (IOException e) {
            return "(none)";
        }
    }

    /** A jar of the router's packages ({@link RouterClassPath#kept}) from this JVM's class path, first entry wins. */
    private static Path routerJar(Path target) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Multi-Release", "true");
        Set<String> written = new HashSet<>();
        try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file,
                manifest)) {
            out.setLevel(Deflater.BEST_SPEED);
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path path = Path.of(entry);
                if (Files.isDirectory(path)) {
                    try (Stream<Path> files = Files.walk(path)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                            String name = path.relativize(f).toString().replace(File.separatorChar, '/');
                            if (RouterClassPath.kept(name) && written.add(name)) {
                                out.putNextEntry(new ZipEntry(name));
                                Files.copy(f, out);
                                out.closeEntry();
                            }
                        }
                    }
                } else if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
                    try (ZipFile zip = new ZipFile(path.toFile())) {
                        Enumeration<? extends ZipEntry> entries = zip.entries();
                        while (entries.hasMoreElements()) {
                            ZipEntry e = entries.nextElement();
                            if (!e.isDirectory() && RouterClassPath.kept(e.getName()) && written.add(e.getName())) {
                                out.putNextEntry(new ZipEntry(e.getName()));
                                try (InputStream in = zip.getInputStream(e)) {
                                    in.transferTo(out);
                                }
                                out.closeEntry();
                            }
                        }
                    }
                }
            }
        }
        return target;
    }
}
