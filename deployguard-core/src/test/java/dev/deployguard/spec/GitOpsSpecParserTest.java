package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GitOpsSpecParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final List<String> problems = new ArrayList<>();

    private GitOpsSpec parse(String yaml) {
        try {
            return GitOpsSpecParser.parse(YAML.readTree(yaml), "apps.web.gitops", problems);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsEveryFieldAndNormalisesThePath() {
        GitOpsSpec g = parse("""
                git:
                  url: https://git.example.com/team/deploy.git
                  branch: release/2026
                  path: apps/web/
                  push: main
                  credentialsEnv: DEPLOY_GIT_TOKEN
                """);

        assertThat(problems).isEmpty();
        assertThat(g.git()).isEqualTo(new GitOpsSpec.Git("https://git.example.com/team/deploy.git", "release/2026",
                "apps/web", GitOpsSpec.Push.MAIN, "DEPLOY_GIT_TOKEN"));
    }

    @Test
    void mainAndABranchToReviewAreTheDefaults() {
        GitOpsSpec g = parse("{git: {url: 'git@git.example.com:team/deploy.git', path: apps/web}}");

        assertThat(problems).isEmpty();
        assertThat(g.git().branch()).isEqualTo("main");
        assertThat(g.git().push()).isEqualTo(GitOpsSpec.Push.BRANCH);
        assertThat(g.git().credentialsEnv()).isNull();
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutEchoingIt() {
        assertThat(parse("{git: {url: 'https://bot:hunter2@git.example.com/deploy.git', path: apps/web}}")).isNull();

        assertThat(problems).singleElement().asString().startsWith("apps.web.gitops.git.url: holds a password")
                .contains("credentialsEnv").doesNotContain("hunter2");
    }

    @Test
    void everyMistakeIsReportedWithItsPath() {
        assertThat(parse("""
                git:
                  url: 'not a url'
                  branch: 'main..x'
                  path: ../etc
                  push: force
                  credentialsEnv: 'MY-TOKEN'
                """)).isNull();

        assertThat(problems).hasSize(5);
        assertThat(problems.get(0)).startsWith("apps.web.gitops.git.url: expected an https://");
        assertThat(problems.get(1)).startsWith("apps.web.gitops.git.branch: expected a branch name");
        assertThat(problems.get(2)).startsWith("apps.web.gitops.git.path: expected a directory relative");
        assertThat(problems.get(3)).isEqualTo("apps.web.gitops.git.push: expected branch (a new branch to review)"
                + " or main (straight onto main..x), got 'force'");
        assertThat(problems.get(4)).startsWith("apps.web.gitops.git.credentialsEnv: expected the name of an"
                + " environment variable");
    }

    @Test
    void missingUrlAndPathAndUnknownFieldsAreNamed() {
        assertThat(parse("{git: {}}")).isNull();
        assertThat(problems).containsExactly(
                "apps.web.gitops.git.url: missing; expected the repository of the app's manifests, e.g."
                        + " https://git.example.com/team/deploy.git or git@git.example.com:team/deploy.git",
                "apps.web.gitops.git.path: missing; expected the app's directory in the repository, e.g. apps/shop");

        problems.clear();
        assertThat(parse("{git: {url: 'file:///srv/deploy.git', path: a, revert: true}}")).isNull();
        assertThat(problems).singleElement().asString().contains("unknown field 'revert'")
                .contains("credentialsEnv");
    }

    @Test
    void theWholeSpecCarriesTheSection() {
        Spec spec = new SpecParser().parse("""
                apps:
                  web:
                    platform: {kubernetes: {namespace: shop}}
                    gitops: {git: {url: 'ssh://git@git.example.com/deploy.git', path: apps/web, push: branch}}
                """, "deployguard.yaml", java.nio.file.Path.of("/srv"));

        assertThat(spec.app("web").orElseThrow().gitops().git().url()).isEqualTo("ssh://git@git.example.com/deploy.git");
    }
}
