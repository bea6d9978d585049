package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The {@code git:} line of {@code status} for an app with {@code gitops.git}, from the API's JSON. */
class StatusGitLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String render(String git) throws Exception {
        return StatusCommand.render(JSON.readTree("""
                {"app": "web", "serving": null, "instances": [], "gitops": {"git": %s}}
                """.formatted(git)));
    }

    @Test
    void pendingSaysGitHasNotCaughtUpAndWhy() throws Exception {
        assertThat(render("""
                {"url": "git://git.example.com/deploy.git", "branch": "main", "path": "apps/web", "push": "main",
                 "state": "pending", "message": "cannot fetch main from git://git.example.com/deploy.git"}
                """)).contains("  git: apps/web on main of git://git.example.com/deploy.git: PENDING (git has not"
                + " caught up with the last rollback): cannot fetch main from git://git.example.com/deploy.git\n");
    }

    @Test
    void restoredShowsWhatWasPushedAndNoneSaysSo() throws Exception {
        assertThat(render("""
                {"url": "u", "branch": "main", "path": "apps/web", "state": "restored",
                 "message": "git caught up: restore commit 1a2b3c4 pushed to main of u"}
                """)).contains("  git: apps/web on main of u: git caught up: restore commit 1a2b3c4 pushed to main");
        assertThat(render("{\"url\": \"u\", \"branch\": \"main\", \"path\": \"apps/web\", \"state\": \"none\"}"))
                .contains("  git: apps/web on main of u: no restore commit written yet");
    }

    @Test
    void theOwnerLineAndTheGitLineComeFromTheOneGitopsObject() throws Exception {
        String both = StatusCommand.render(JSON.readTree("""
                {"app": "web", "serving": null, "instances": [], "gitops": {"kind": "Application",
                 "summary": "owned by Argo CD Application argocd/shop, auto-sync off (automated.enabled: false)",
                 "git": {"url": "u", "branch": "main", "path": "apps/web", "state": "none"}}}
                """));

        assertThat(both).contains("  gitops: owned by Argo CD Application argocd/shop, auto-sync off"
                + " (automated.enabled: false)\n  git: apps/web on main of u: no restore commit written yet\n");
        assertThat(render("{\"url\": \"u\", \"branch\": \"main\", \"path\": \"apps/web\", \"state\": \"none\"}"))
                .as("no owner: no gitops line").doesNotContain("gitops:");
    }
}
