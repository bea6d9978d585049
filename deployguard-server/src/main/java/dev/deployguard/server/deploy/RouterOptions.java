package dev.deployguard.server.deploy;

import dev.deployguard.local.router.AppListener;
import dev.deployguard.spec.LocalPlatformSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * An app's router settings beyond its address, from {@code platform.local.tls} and {@code platform.local.accessLog}:
 * where it serves HTTPS and from which PEM files, and where it appends its access log. The host router serves them as
 * the app's listener ({@link AppListener}, read back over its admin API); they are also kept beside the app's route
 * file, so an app added to the router again (its listener file lost) gets them even after a control-plane restart.
 *
 * @param tlsListen HOST:PORT of HTTPS, or null for none (then {@code tlsCert} and {@code tlsKey} are null too)
 * @param accessLog the access log file, or null for none
 */
public record RouterOptions(String tlsListen, Path tlsCert, Path tlsKey, Path accessLog) {
    /** Plain HTTP, no access log: a router started before these settings existed, and every preview router. */
    public static final RouterOptions NONE = new RouterOptions(null, null, null, null);

    /** The settings the app's spec asks for. */
    public static RouterOptions of(LocalPlatformSpec local) {
        LocalPlatformSpec.Tls tls = local.tls();
        return tls == null ? new RouterOptions(null, null, null, local.accessLog())
                : new RouterOptions(tls.listen().toString(), tls.cert(), tls.key(), local.accessLog());
    }

    /** The host router's listener for an app served on {@code listen} with these settings. */
    AppListener listener(String listen) {
        return AppListener.of(listen, tlsListen, tlsCert, tlsKey, accessLog);
    }

    /** The settings of a host router's listener (its address aside). */
    static RouterOptions of(AppListener listener) {
        return new RouterOptions(listener.tlsListen(), listener.tlsCert() == null ? null : Path.of(listener.tlsCert()),
                listener.tlsKey() == null ? null : Path.of(listener.tlsKey()),
                listener.accessLog() == null ? null : Path.of(listener.accessLog()));
    }

    /** For events: what a person reads to see what changed. */
    String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(tlsListen == null ? "no HTTPS" : "HTTPS on " + tlsListen + " (cert " + tlsCert + ", key "
                + tlsKey + ")");
        parts.add(accessLog == null ? "no access log" : "access log " + accessLog);
        return String.join(", ", parts);
    }

    /** Saves these settings as the ones {@code file}'s router is (re)started with; NONE removes the file. */
    void save(Path file) throws IOException {
        if (equals(NONE)) {
            Files.deleteIfExists(file);
            return;
        }
        Properties p = new Properties();
        if (tlsListen != null) {
            p.setProperty("tls.listen", tlsListen);
            p.setProperty("tls.cert", tlsCert.toString());
            p.setProperty("tls.key", tlsKey.toString());
        }
        if (accessLog != null) {
            p.setProperty("accessLog", accessLog.toString());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "the router's settings from the spec (platform.local.tls, accessLog); written by DeployGuard");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The settings saved in {@code file}; NONE when there is none or it cannot be read. */
    static RouterOptions load(Path file) {
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            return NONE;
        }
        String listen = p.getProperty("tls.listen");
        String cert = p.getProperty("tls.cert");
        String key = p.getProperty("tls.key");
        String log = p.getProperty("accessLog");
        boolean tls = listen != null && cert != null && key != null;
        return new RouterOptions(tls ? listen : null, tls ? Path.of(cert) : null, tls ? Path.of(key) : null,
                log == null ? null : Path.of(log));
    }
}
