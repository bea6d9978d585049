package dev.deployguard.local.router;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a host router ({@link HostRouterMain}) is started with: its admin port, the directory of its apps' files
 * and its token file. The apps themselves come over the admin API and from the files.
 */
public record HostRouterConfig(int adminPort, Path stateDir, Path tokenFile) {
    public HostRouterConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(tokenFile, "tokenFile");
        RouterArgs.checkAdminPort(adminPort);
    }

    /** The command-line arguments {@link HostRouterMain} reads back into an equal config. */
    public List<String> toArgs() {
        return List.of("--admin-port", Integer.toString(adminPort), "--state-dir", stateDir.toString(),
                "--token-file", tokenFile.toString());
    }

    /** Parses {@code --admin-port N --state-dir DIR --token-file PATH}. */
    public static HostRouterConfig parse(String... args) {
        RouterArgs a = RouterArgs.parse(List.of("--admin-port", "--state-dir", "--token-file"), Set.of(), args);
        return new HostRouterConfig(a.adminPort(), a.path("--state-dir"), a.path("--token-file"));
    }
}
