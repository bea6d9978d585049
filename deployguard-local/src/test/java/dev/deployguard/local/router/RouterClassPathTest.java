package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host router's class path: a distribution jar replaced by a jar of the router's packages only. */
class RouterClassPathTest {
    @TempDir
    Path dir;

    @Test
    void aLargeJarIsReplacedByOneOfTheRoutersPackagesKeptOnceAndReused() throws IOException {
        Path big = jar("dist.jar", RouterClassPath.LARGE_JAR_ENTRIES, true);
        Path small = jar("lib.jar", 10, false);
        Path classes = Files.createDirectories(dir.resolve("target-classes"));
        String classPath = String.join(File.pathSeparator, small.toString(), big.toString(), classes.toString());
        Path cache = dir.resolve("state").resolve("classes");

        String lean = RouterClassPath.lean(classPath, cache);

        List<String> entries = List.of(lean.split(File.pathSeparator));
        assertThat(entries).hasSize(3);
        assertThat(entries.get(0)).isEqualTo(small.toString());
        assertThat(entries.get(2)).isEqualTo(classes.toString());
        Path routerJar = Path.of(entries.get(1));
        assertThat(routerJar.getParent()).isEqualTo(cache);
        try (JarFile jar = new JarFile(routerJar.toFile())) {
            assertThat(Collections.list(jar.entries()).stream().map(ZipEntry::getName)
                    .filter(name -> !name.startsWith("META-INF/MANIFEST")).sorted().toList())
                    .containsExactly("META-INF/native/libnetty_transport_native_epoll_x86_64.so",
                            "META-INF/versions/17/io/netty/util/Versioned.class",
                            "dev/deployguard/local/router/HostRouterMain.class",
                            "io/netty/channel/Channel.class");
            assertThat(jar.getManifest().getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
            assertThat(new String(jar.getInputStream(jar.getEntry("io/netty/channel/Channel.class")).readAllBytes(),
                    StandardCharsets.UTF_8)).isEqualTo("io/netty/channel/Channel.class");
        }

        FileTime written = Files.getLastModifiedTime(routerJar);
        Files.setLastModifiedTime(routerJar, FileTime.fromMillis(written.toMillis() - 60_000));
        assertThat(RouterClassPath.lean(classPath, cache)).as("the same distribution jar: the same router jar")
                .isEqualTo(lean);
        assertThat(Files.getLastModifiedTime(routerJar).toMillis()).as("not written again")
                .isEqualTo(written.toMillis() - 60_000);
    }

    @Test
    void routerJarsOfOlderBuildsOfTheSameJarAreRemovedButTheNewestTwoAndOtherInstallationsAreLeftAlone()
            throws IOException {
        Path cache = Files.createDirectories(dir.resolve("classes"));
        Path big = jar("dist.jar", RouterClassPath.LARGE_JAR_ENTRIES, false);
        String same = "router-" + Integer.toHexString(big.toAbsolutePath().toString().hashCode()) + "-";
        for (int i = 0; i < 4; i++) {
            Path old = Files.writeString(cache.resolve(same + "1-" + i + ".jar"), "old");
            Files.setLastModifiedTime(old, FileTime.fromMillis(1_000_000L * (i + 1)));
            // Each with its class-data archive and the archive's stamp (RouterCds), which go with their jar.
            Files.writeString(cache.resolve(same + "1-" + i + ".jar.jsa"), "archive");
            Files.writeString(cache.resolve(same + "1-" + i + ".jar.jsa.ok"), "stamp");
        }
        Path other = Files.writeString(cache.resolve("router-0other-1-1.jar"), "another installation's");
        Files.setLastModifiedTime(other, FileTime.fromMillis(1_000));
        Files.writeString(cache.resolve("router-0other-1-1.jar.jsa"), "another installation's archive");

        String lean = RouterClassPath.lean(big.toString(), cache);

        try (var found = Files.list(cache)) {
            assertThat(found.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactlyInAnyOrder(Path.of(lean).getFileName().toString(), same + "1-2.jar",
                            same + "1-2.jar.jsa", same + "1-2.jar.jsa.ok", same + "1-3.jar", same + "1-3.jar.jsa",
                            same + "1-3.jar.jsa.ok", "router-0other-1-1.jar", "router-0other-1-1.jar.jsa");
        }
    }

    @Test
    void theCacheIsTheLaunchersNamedByTheEnvironment() {
        assertThat(RouterClassPath.cacheDir(java.util.Map.of("DEPLOYGUARD_CACHE_DIR", dir.resolve("c").toString(),
                "HOME", dir.resolve("h").toString()))).contains(dir.resolve("c").resolve("router"));
        assertThat(RouterClassPath.cacheDir(java.util.Map.of("XDG_CACHE_HOME", dir.resolve("x").toString(),
                "HOME", dir.resolve("h").toString()))).contains(dir.resolve("x").resolve("deployguard")
                .resolve("router"));
        assertThat(RouterClassPath.cacheDir(java.util.Map.of("HOME", dir.resolve("h").toString())))
                .contains(dir.resolve("h").resolve(".cache").resolve("deployguard").resolve("router"));
        assertThat(RouterClassPath.cacheDir(java.util.Map.of())).isEmpty();
    }

    @Test
    void aJarThatCannotBeWrittenLeavesTheClassPathAsItWas() throws IOException {
        Path big = jar("dist.jar", RouterClassPath.LARGE_JAR_ENTRIES, false);
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");

        assertThat(RouterClassPath.lean(big.toString(), notADirectory.resolve("classes"))).isEqualTo(big.toString());
        assertThat(RouterClassPath.lean("missing.jar", dir)).isEqualTo("missing.jar");
    }

    @Test
    void keepsTheRoutersPackagesAlsoInVersionedEntries() {
        assertThat(RouterClassPath.kept("io/netty/buffer/ByteBuf.class")).isTrue();
        assertThat(RouterClassPath.kept("META-INF/versions/11/com/fasterxml/jackson/core/io/X.class")).isTrue();
        assertThat(RouterClassPath.kept("org/eclipse/jetty/server/Server.class")).isFalse();
        assertThat(RouterClassPath.kept("META-INF/versions/21/io/vertx/core/X.class")).isFalse();
        assertThat(RouterClassPath.kept("META-INF/versions/")).isFalse();
    }

    /** A jar of {@code filler} entries outside the router's packages plus four of the router's. */
    private Path jar(String name, int filler, boolean multiRelease) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (multiRelease) {
            manifest.getMainAttributes().putValue("Multi-Release", "true");
        }
        Path path = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(path); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String entry : List.of("dev/deployguard/local/router/HostRouterMain.class",
                    "io/netty/channel/Channel.class", "META-INF/versions/17/io/netty/util/Versioned.class",
                    "META-INF/versions/21/io/vertx/core/Vertx.class",
                    "META-INF/native/libnetty_transport_native_epoll_x86_64.so")) {
                out.putNextEntry(new ZipEntry(entry));
                out.write(entry.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            for (int i = 0; i < filler; i++) {
                out.putNextEntry(new ZipEntry("org/other/C" + i + ".class"));
                out.closeEntry();
            }
        }
        return path;
    }
}
