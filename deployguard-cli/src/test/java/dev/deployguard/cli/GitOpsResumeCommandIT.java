package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard gitops resume} through a real control plane and its API route
 * ({@code POST /api/apps/APP/gitops/resume}): what it refuses without a GitOps owner, with the exit codes of the CLI.
 * The resume itself (Argo CD, Flux, git's head) is covered by KubernetesGitOpsResumeIT in deployguard-server.
 */
class GitOpsResumeCommandIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void anAppWithoutAGitOpsOwnerOrAnUnknownAppIsRefusedAndNothingIsRecordedAsResumed() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");

        Harness.Run r = h.cli("gitops", "resume", "demo", "--force");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("app 'demo' is not on Kubernetes", "GitOps owner");

        r = h.cli("gitops", "resume", "nope");
        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).contains("unknown app 'nope'");

        r = h.cli("gitops");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("missing subcommand: deployguard gitops resume APP");

        assertThat(h.ok("events", "demo", "-o", "json").json().path("events"))
                .noneSatisfy(e -> assertThat(e.path("kind").asText()).isEqualTo("gitops.resumed"));
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }
}
