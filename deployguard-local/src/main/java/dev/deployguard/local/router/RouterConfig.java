package dev.deployguard.local.router;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What one router process is started with: its app, public address, admin port, state file and token file. */
public record RouterConfig(String app, String listen, int adminPort, Path stateFile, Path tokenFile) {
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
    }

    /** The command-line arguments {@link RouterMain} reads back into an equal config. */
    public List<String> toArgs() {
        return List.of("--app", app, "--listen", listen, "--admin-port", Integer.toString(adminPort),
                "--state-file", stateFile.toString(), "--token-file", tokenFile.toString());
    }

    /** Parses {@code --app NAME --listen HOST:PORT --admin-port N --state-file PATH --token-file PATH}. */
    public static RouterConfig parse(String... args) {
        String app = null;
        String listen = null;
        String adminPort = null;
        String stateFile = null;
        String tokenFile = null;
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
        return new RouterConfig(app, listen, port, Path.of(stateFile), Path.of(tokenFile));
    }
}
