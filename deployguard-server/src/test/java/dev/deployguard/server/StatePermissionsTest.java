package dev.deployguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatePermissionsTest {
    @TempDir
    Path dir;

    @Test
    void looseModesFoundAtStartAreFixedAndReported() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path db = Files.writeString(state.resolve("deployguard.mv.db"), "x");
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
        Path token = Files.writeString(state.resolve("api.token"), "t");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Path log = Files.writeString(state.resolve("server.json"), "{}");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));

        var warnings = StatePermissions.tighten(state);

        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains(state.toString(), "rwxr-xr-x", "rwx------");
        assertThat(warnings.get(1)).contains("deployguard.mv.db", "rw-r--r--", "rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).as("not a secret")
                .isEqualTo("rw-r--r--");
        assertThat(StatePermissions.tighten(state)).as("nothing left to fix").isEmpty();
    }

    @Test
    void aNewStateDirectoryAndItsDatabaseAreCreatedPrivate() {
        Path state = dir.resolve("new").resolve("state");
        var cp = new ControlPlane(new ControlPlane.Config(state, dir.resolve("deployguard.yaml"), null, null, null,
                null), Clock.systemUTC());
        try {
            assertThat(cp.stateDir()).isEqualTo(state.toAbsolutePath());
            for (String f : new String[] {"deployguard.mv.db", "api.token", "router.token"}) {
                assertThat(permissions(state.resolve(f))).as(f).isEqualTo("rw-------");
            }
            assertThat(permissions(state)).isEqualTo("rwx------");
        } finally {
            cp.close();
        }
    }

    private static String permissions(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
