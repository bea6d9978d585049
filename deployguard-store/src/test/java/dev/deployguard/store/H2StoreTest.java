package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.release.Release;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2StoreTest extends StoreContract {
    @TempDir
    Path dir;
    JdbcStore store;

    @BeforeEach
    void open() {
        store = JdbcStore.embedded(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    Store store() {
        return store;
    }

    @Test
    void dataSurvivesReopening() {
        store.createRelease(draft("web", "v1"));
        store.close();
        store = JdbcStore.embedded(dir);
        assertThat(store.history("web")).extracting(Release::version).containsExactly("v1");
    }

    @Test
    void aSecondControlPlaneOnTheSameStateDirIsRefused() throws Exception {
        // A second process is what happens in real life; the same JVM with a fresh pool behaves the same for H2
        // only across processes, so start one.
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SecondOpener.class.getName(), dir.toString()).redirectErrorStream(true);
        var p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isEqualTo(ExitCode.BUSY.code());
        assertThat(out).contains("in use by another DeployGuard control plane");
    }

    @Test
    void unsupportedUrlIsBadInputAndHidesThePassword() {
        assertThatThrownBy(() -> JdbcStore.open("jdbc:mysql://x/db?password=hunter2", null, null))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageNotContaining("hunter2")
                .hasMessageContaining("jdbc:postgresql://");
    }

    @Test
    void aCommitSurvivesKillMinus9OfTheWriter() throws Exception {
        store.close();
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(),
                dir.toString()).redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        String line;
        while ((line = out.readLine()) != null && !line.equals("written")) {
            // Skip library logging until the writer says it committed.
        }
        assertThat(line).isEqualTo("written");
        p.destroyForcibly().waitFor();
        store = JdbcStore.embedded(dir);
        assertThat(store.history("web")).extracting(Release::version).containsExactly("v1");
        assertThat(store.history("web").get(0).status()).isEqualTo(dev.deployguard.release.ReleaseStatus.DEPLOYED);
    }

    /** Commits, says so, then waits to be killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            var s = JdbcStore.embedded(Path.of(args[0]));
            s.createRelease(draft("web", "v1"));
            s.markDeployed("web", 1);
            System.out.println("written");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    /** Entry point for the second-process test. */
    public static final class SecondOpener {
        public static void main(String[] args) {
            try (var s = JdbcStore.embedded(Path.of(args[0]))) {
                System.out.println("opened with " + s.apps().size() + " apps");
                System.exit(0);
            } catch (DeployGuardException e) {
                System.out.println(e.getMessage());
                System.exit(e.exitCode().code());
            }
        }
    }
}
