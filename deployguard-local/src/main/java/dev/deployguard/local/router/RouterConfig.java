package dev.deployguard.local.router;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
        if (adminPort < 1 || adminPort > 65_535) {
            throw new IllegalArgumentException("admin port must be within 1..65535, was " + adminPort);
        }
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
        String app = null;
        String listen = null;
        String adminPort = null;
        String stateFile = null;
        String tokenFile = null;
        String tlsListen = null;
        String tlsCert = null;
        String tlsKey = null;
        String accessLog = null;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--app" -> app = value;
                case "--listen" -> listen = value;
                case "--admin-port" -> adminPort = value;
                case "--state-file" -> stateFile = value;
                case "--token-file" -> tokenFile = value;
                case "--tls-listen" -> tlsListen = value;
                case "--tls-cert" -> tlsCert = value;
                case "--tls-key" -> tlsKey = value;
                case "--access-log" -> accessLog = value;
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        List<String> missing = new ArrayList<>();
        if (app == null) {
            missing.add("--app");
        }
        if (listen == null) {
            missing.add("--listen");
        }
        if (adminPort == null) {
            missing.add("--admin-port");
        }
        if (stateFile == null) {
            missing.add("--state-file");
        }
        if (tokenFile == null) {
            missing.add("--token-file");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing " + String.join(", ", missing));
        }
        int port;
        try {
            port = Integer.parseInt(adminPort);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--admin-port is not a number: '" + adminPort + "'", e);
        }
        return new RouterConfig(app, listen, port, Path.of(stateFile), Path.of(tokenFile), tlsListen,
                tlsCert == null ? null : Path.of(tlsCert), tlsKey == null ? null : Path.of(tlsKey),
                accessLog == null ? null : Path.of(accessLog));
    }
}
