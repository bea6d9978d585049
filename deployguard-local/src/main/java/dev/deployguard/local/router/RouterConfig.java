package dev.deployguard.local.router;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one router process is started with: its app, public address, admin port, state file and token file; and,
 * optionally, a TLS address with its PEM certificate chain and PKCS#8 key (reloaded when they change), and an access
 * log file.
 *
 * @param tlsListen where HTTPS is served ({@code HOST:PORT}), or null for none
 * @param tlsCert PEM certificate chain (leaf first) for {@code tlsListen}, or null
 * @param tlsKey PEM PKCS#8 private key ({@code BEGIN PRIVATE KEY}) of the leaf, or null
 * @param accessLog file the access log is appended to, or null for none
 */
public record RouterConfig(String app, String listen, int adminPort, Path stateFile, Path tokenFile,
                           String tlsListen, Path tlsCert, Path tlsKey, Path accessLog) {
    public RouterConfig {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(stateFile, "stateFile");
        Objects.requireNonNull(tokenFile, "tokenFile");
        if (app.isBlank()) {
            throw new IllegalArgumentException("app must not be blank");
        }
        HostPort.parse(listen);
        RouterArgs.checkAdminPort(adminPort);
        if (tlsListen != null) {
            HostPort.parse(tlsListen);
            if (tlsListen.equals(listen)) {
                throw new IllegalArgumentException("--tls-listen must differ from --listen (" + listen + ")");
            }
        }
        if ((tlsListen == null) != (tlsCert == null) || (tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("TLS needs all of --tls-listen, --tls-cert and --tls-key; given: "
                    + (tlsListen == null ? "" : "--tls-listen ") + (tlsCert == null ? "" : "--tls-cert ")
                    + (tlsKey == null ? "" : "--tls-key"));
        }
    }

    /** A router for plain HTTP only, without an access log. */
    public RouterConfig(String app, String listen, int adminPort, Path stateFile, Path tokenFile) {
        this(app, listen, adminPort, stateFile, tokenFile, null, null, null, null);
    }

    /** This config with HTTPS on {@code address} from the given PEM files. */
    public RouterConfig withTls(String address, Path cert, Path key) {
        return new RouterConfig(app, listen, adminPort, stateFile, tokenFile, address, cert, key, accessLog);
    }

    /** This config with its access log appended to {@code file}. */
    public RouterConfig withAccessLog(Path file) {
        return new RouterConfig(app, listen, adminPort, stateFile, tokenFile, tlsListen, tlsCert, tlsKey, file);
    }

    /** The command-line arguments {@link RouterMain} reads back into an equal config. */
    public List<String> toArgs() {
        List<String> args = new ArrayList<>(List.of("--app", app, "--listen", listen, "--admin-port",
                Integer.toString(adminPort), "--state-file", stateFile.toString(), "--token-file",
                tokenFile.toString()));
        if (tlsListen != null) {
            args.addAll(List.of("--tls-listen", tlsListen, "--tls-cert", tlsCert.toString(), "--tls-key",
                    tlsKey.toString()));
        }
        if (accessLog != null) {
            args.addAll(List.of("--access-log", accessLog.toString()));
        }
        return List.copyOf(args);
    }

    /**
     * Parses {@code --app NAME --listen HOST:PORT --admin-port N --state-file PATH --token-file PATH
     * [--tls-listen HOST:PORT --tls-cert PATH --tls-key PATH] [--access-log PATH]}.
     */
    public static RouterConfig parse(String... args) {
        RouterArgs a = RouterArgs.parse(List.of("--app", "--listen", "--admin-port", "--state-file", "--token-file"),
                Set.of("--tls-listen", "--tls-cert", "--tls-key", "--access-log"), args);
        return new RouterConfig(a.get("--app"), a.get("--listen"), a.adminPort(), a.path("--state-file"),
                a.path("--token-file"), a.get("--tls-listen"), a.path("--tls-cert"), a.path("--tls-key"),
                a.path("--access-log"));
    }
}
