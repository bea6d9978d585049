package dev.deployguard.local.router;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a host router serves one app ({@code PUT /admin/apps/APP}): the app's own public address, and optionally
 * HTTPS on a second address from PEM files and an access log. Kept in the app's {@code APP.listener.json} beside its
 * route table.
 *
 * @param listen HOST:PORT of plain HTTP (and h2c)
 * @param tlsListen HOST:PORT of HTTPS, or null for none
 * @param tlsCert PEM certificate chain for {@code tlsListen}, or null
 * @param tlsKey PEM PKCS#8 key of the leaf, or null
 * @param accessLog file the app's access log is appended to, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppListener(String listen, String tlsListen, String tlsCert, String tlsKey, String accessLog) {
    public AppListener {
        if (listen == null || listen.isBlank()) {
            throw new IllegalArgumentException("listen is required (HOST:PORT)");
        }
        HostPort.parse(listen);
        if (tlsListen != null) {
            HostPort.parse(tlsListen);
            if (tlsListen.equals(listen)) {
                throw new IllegalArgumentException("tlsListen must differ from listen (" + listen + ")");
            }
        }
        if ((tlsListen == null) != (tlsCert == null) || (tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("TLS needs all of tlsListen, tlsCert and tlsKey");
        }
    }

    /** Plain HTTP on {@code listen}, no access log. */
    public static AppListener plain(String listen) {
        return new AppListener(listen, null, null, null, null);
    }

    /** A listener from paths: its address, TLS address and files (or nulls), access log (or null). */
    public static AppListener of(String listen, String tlsListen, Path tlsCert, Path tlsKey, Path accessLog) {
        return new AppListener(listen, tlsListen, tlsCert == null ? null : tlsCert.toString(),
                tlsKey == null ? null : tlsKey.toString(), accessLog == null ? null : accessLog.toString());
    }

    /** This listener with the addresses actually bound (a port 0 asked for becomes the port the kernel chose). */
    AppListener bound(String listenBound, String tlsBound) {
        return new AppListener(listenBound, tlsListen == null ? null : tlsBound, tlsCert, tlsKey, accessLog);
    }

    /**
     * The listener a host router keeps for {@code app} in its state directory, if there is a readable one (for
     * readers outside the router, such as the {@code local.ports} check; the router itself sets unreadable files
     * aside).
     */
    public static Optional<AppListener> readFrom(Path stateDir, String app) {
        try {
            Path file = stateDir.resolve(HostedApps.checkName(app) + HostedApps.LISTENER_SUFFIX);
            return Optional.ofNullable(RouterCodec.listener(Files.readAllBytes(file)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
