package dev.deployguard.local.router;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The class path a host router JVM runs from: the control plane's, with each large jar (the distribution's single
 * jar: 42,000 entries, every library of the control plane) replaced by a jar of only the packages the router uses.
 * A JVM keeps the central directory of every jar it opened on its heap for as long as it runs: 5.3 MB of
 * {@code byte[]} and 0.7 MB of {@code int[]} for the distribution's jar, half of a host router's live heap
 * (docs/benchmarks.md, "router RSS"). The router's jar is written once per distribution jar (path, size and time) into
 * the user's cache directory ({@link #cacheDir}, where the launcher also keeps its class-data archives), shared by
 * every state directory, else into {@code classes/} of the router's state directory; a jar that cannot be written
 * leaves the class path as it was (the router then just uses more memory).
 */
final class RouterClassPath {
    /** A jar with at least this many entries is a distribution jar worth trimming; a library jar is left alone. */
    static final int LARGE_JAR_ENTRIES = 5_000;
    /** What a router JVM loads: its own classes, Netty, the histograms, Jackson, and Netty's logging probe. */
    static final List<String> KEPT = List.of("dev/deployguard/", "io/netty/", "org/HdrHistogram/",
            "com/fasterxml/jackson/", "org/slf4j/", "META-INF/native/");
    private static final String VERSIONS = "META-INF/versions/";
    static final String PREFIX = "router-";
    /** Router jars of older distributions kept besides the current one (a router still running may use one). */
    private static final int OLDER_KEPT = 2;

    private RouterClassPath() {
    }

    /**
     * {@code $DEPLOYGUARD_CACHE_DIR/router}, else {@code $XDG_CACHE_HOME/deployguard/router}, else
     * {@code $HOME/.cache/deployguard/router} (as the launcher's class-data archives), if it exists or can be made.
     */
    static java.util.Optional<Path> cacheDir(java.util.Map<String, String> env) {
        Path base;
        if (notBlank(env.get("DEPLOYGUARD_CACHE_DIR"))) {
            base = Path.of(env.get("DEPLOYGUARD_CACHE_DIR"));
        } else if (notBlank(env.get("XDG_CACHE_HOME"))) {
            base = Path.of(env.get("XDG_CACHE_HOME"), "deployguard");
        } else if (notBlank(env.get("HOME"))) {
            base = Path.of(env.get("HOME"), ".cache", "deployguard");
        } else {
            return java.util.Optional.empty();
        }
        Path dir = base.resolve("router");
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir) ? java.util.Optional.of(dir) : java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    /** {@code classPath} with each large jar replaced by its router jar under {@code dir}; unchanged if none is. */
    static String lean(String classPath, Path dir) {
        List<String> out = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator, -1)) {
            out.add(leanEntry(entry, dir));
        }
        return String.join(File.pathSeparator, out);
    }

    private static String leanEntry(String entry, Path dir) {
        Path jar = Path.of(entry).toAbsolutePath();
        if (!entry.endsWith(".jar") || !Files.isRegularFile(jar)) {
            return entry;
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            if (zip.size() < LARGE_JAR_ENTRIES) {
                return entry;
            }
            String sameJar = PREFIX + Integer.toHexString(jar.toString().hashCode()) + "-";
            String name = sameJar + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + ".jar";
            Path lean = dir.resolve(name);
            if (!Files.isRegularFile(lean)) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, ".router-", ".jar.tmp");
                try {
                    write(zip, tmp);
                    Files.move(tmp, lean, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                removeOlder(dir, lean, sameJar);
            }
            return lean.toString();
        } catch (IOException | RuntimeException e) {
            return entry;
        }
    }

    static boolean kept(String name) {
        String path = name;
        if (path.startsWith(VERSIONS)) {
            int slash = path.indexOf('/', VERSIONS.length());
            path = slash < 0 ? "" : path.substring(slash + 1);
        }
        for (String prefix : KEPT) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void write(ZipFile zip, Path target) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        ZipEntry source = zip.getEntry("META-INF/MANIFEST.MF");
        if (source != null) {
            try (InputStream in = zip.getInputStream(source)) {
                String multiRelease = new Manifest(in).getMainAttributes().getValue("Multi-Release");
                if (multiRelease != null) {
                    manifest.getMainAttributes().putValue("Multi-Release", multiRelease);
                }
            }
        }
        try (OutputStream file = Files.newOutputStream(target);
             JarOutputStream out = new JarOutputStream(file, manifest)) {
            // Written once per distribution jar; the fastest compression keeps a router's first start short.
            out.setLevel(Deflater.BEST_SPEED);
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (!kept(entry.getName())) {
                    continue;
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                if (!entry.isDirectory()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
    }

    /**
     * Removes router jars of older builds of the same distribution jar (same path) but the newest few (a router still
     * running may restart from one), with their class-data archives ({@link RouterCds}); those of other installations
     * sharing the cache are left alone.
     */
    private static void removeOlder(Path dir, Path current, String sameJar) {
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, sameJar + "*.jar")) {
            for (Path p : found) {
                if (!p.equals(current)) {
                    others.add(p);
                }
            }
        } catch (IOException e) {
            return;
        }
        others.sort((a, b) -> modified(b).compareTo(modified(a)));
        for (Path old : others.subList(Math.min(OLDER_KEPT, others.size()), others.size())) {
            try {
                Files.deleteIfExists(old);
                RouterCds.removeWith(old);
            } catch (IOException e) {
                // Left for the next start to remove.
            }
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
