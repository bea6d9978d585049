package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterFilesTest {
    @TempDir
    Path dir;

    @Test
    void missingOrNonPemTlsFilesAreNamed() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        assertThat(RouterFiles.tlsProblem(cert, key)).contains("the TLS certificate " + cert + " does not exist");
        Files.writeString(cert, "not a certificate\n");
        assertThat(RouterFiles.tlsProblem(cert, key)).contains("the TLS key " + key + " does not exist");
        Files.writeString(key, "not a key\n");
        assertThat(RouterFiles.tlsProblem(cert, key)).get().asString().contains(cert.toString());
    }

    @Test
    void accessLogIsCreatedWithItsDirectoryOrRefused() {
        Path log = dir.resolve("logs/web/access.log");
        assertThat(RouterFiles.accessLogProblem(log)).isEmpty();
        assertThat(log).exists();
        assertThat(RouterFiles.accessLogProblem(dir)).get().asString().contains("is a directory");
    }
}
