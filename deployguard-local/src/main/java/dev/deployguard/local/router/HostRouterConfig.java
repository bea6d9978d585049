package dev.deployguard.local.router;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a host router ({@link HostRouterMain}) is started with: its admin port, the directory of its apps' files
 * and its token file. The apps themselves come over the admin API and from the files.
 */
public record HostRouterConfig(int adminPort, Path stateDir, Path tokenFile) {
    public HostRouterConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(tokenFile, "tokenFile");
        if (adminPort < 1 || adminPort > 65_535) {
            throw new IllegalArgumentException("admin port must be within 1..65535, was " + adminPort);
        }
    }

    /** The command-line arguments {@link HostRouterMain} reads back into an equal config. */
    public List<String> toArgs() {
        return List.of("--admin-port", Integer.toString(adminPort), "--state-dir", stateDir.toString(),
                "--token-file", tokenFile.toString());
    }

    /** Parses {@code --admin-port N --state-dir DIR --token-file PATH}. */
    public static HostRouterConfig parse(String... args) {
        String adminPort = null;
        String stateDir = null;
        String tokenFile = null;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--admin-port" -> adminPort = value;
                case "--state-dir" -> stateDir = value;
                case "--token-file" -> tokenFile = value;
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (adminPort == null || stateDir == null || tokenFile == null) {
            throw new IllegalArgumentException("missing " + (adminPort == null ? "--admin-port " : "")
                    + (stateDir == null ? "--state-dir " : "") + (tokenFile == null ? "--token-file" : "").strip());
        }
        try {
            return new HostRouterConfig(Integer.parseInt(adminPort), Path.of(stateDir), Path.of(tokenFile));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--admin-port is not a number: '" + adminPort + "'", e);
        }
    }
}
