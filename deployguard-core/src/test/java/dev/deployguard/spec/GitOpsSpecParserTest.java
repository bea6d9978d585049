package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Argo CD / Flux fields and the {@code git} block of the one {@code gitops} section. */
class GitOpsSpecParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final List<String> problems = new ArrayList<>();

    private GitOpsSpec parse(String yaml) {
        try {
            return GitOpsSpecParser.parse(yaml == null ? null : YAML.readTree(yaml), "apps.web.gitops", problems);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void absentIsTheDefault() {
        assertThat(parse(null)).isEqualTo(GitOpsSpec.DEFAULT);
        assertThat(GitOpsSpec.DEFAULT).isEqualTo(new GitOpsSpec(GitOpsSpec.AutoSync.REFUSE, GitOpsSpec.OnFight.ALERT,
                Duration.ofSeconds(15), "argocd"));
    }

    @Test
    void readsEveryField() {
        GitOpsSpec g = parse("{autoSync: pause, onFight: Refuse, fightWindow: 2m, argocdNamespace: gitops}");

        assertThat(problems).isEmpty();
        assertThat(g).isEqualTo(new GitOpsSpec(GitOpsSpec.AutoSync.PAUSE, GitOpsSpec.OnFight.REFUSE,
                Duration.ofMinutes(2), "gitops"));
    }

    @Test
    void mistakesAreNamedWithTheirPathAndTheChoices() {
        assertThat(parse("{autoSync: force, onFight: ignore, fightWindow: 2h, argocdNamespace: Argo_CD}")).isNull();

        assertThat(problems).containsExactly(
                "apps.web.gitops.autoSync: expected one of refuse | pause, got 'force'",
                "apps.web.gitops.onFight: expected one of alert | pause | refuse, got 'ignore'",
                "apps.web.gitops.fightWindow: expected a duration from 0s (no watch) to 30m, got 2h",
                "apps.web.gitops.argocdNamespace: expected a namespace name (lower-case letters, digits, '-'), got"
                        + " 'Argo_CD'");
    }

    @Test
    void anUnknownFieldListsTheKnownOnes() {
        parse("{autoSynk: pause}");

        assertThat(problems).singleElement().asString().startsWith("apps.web.gitops.autoSynk: unknown field 'autoSynk';"
                + " expected one of: argocdNamespace, autoSync, fightWindow, git, onFight");
    }

    @Test
    void theSectionReachesTheAppSpec() {
        Spec spec = new SpecParser().parse("""
                apps:
                  web:
                    platform:
                      kubernetes: {namespace: shop}
                    gitops: {autoSync: pause}
                """, "deployguard.yaml", java.nio.file.Path.of("/srv"));

        assertThat(spec.app("web").orElseThrow().gitops().autoSync()).isEqualTo(GitOpsSpec.AutoSync.PAUSE);
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
    void theWholeSpecCarriesTheGitBlock() {
        Spec spec = new SpecParser().parse("""
                apps:
                  web:
                    platform: {kubernetes: {namespace: shop}}
                    gitops: {git: {url: 'ssh://git@git.example.com/deploy.git', path: apps/web, push: branch}}
                """, "deployguard.yaml", java.nio.file.Path.of("/srv"));

        assertThat(spec.app("web").orElseThrow().gitops().git().url()).isEqualTo("ssh://git@git.example.com/deploy.git");
    }

    @Test
    void theArgoFluxFieldsAndTheGitBlockLiveTogether() {
        GitOpsSpec g = parse("""
                autoSync: pause
                fightWindow: 30s
                git: {url: 'https://git.example.com/team/deploy.git', path: apps/web, push: main}
                """);

        assertThat(problems).isEmpty();
        assertThat(g).isEqualTo(new GitOpsSpec(GitOpsSpec.AutoSync.PAUSE, GitOpsSpec.OnFight.ALERT,
                Duration.ofSeconds(30), "argocd", new GitOpsSpec.Git("https://git.example.com/team/deploy.git", "main",
                "apps/web", GitOpsSpec.Push.MAIN, null)));
        assertThat(new GitOpsSpec(g.git())).isEqualTo(new GitOpsSpec(GitOpsSpec.AutoSync.REFUSE,
                GitOpsSpec.OnFight.ALERT, GitOpsSpec.DEFAULT_FIGHT_WINDOW, "argocd", g.git()));
    }

    @Test
    void mistakesInBothPartsAreEachNamedWithTheirPath() {
        assertThat(parse("{onFight: ignore, git: {url: 'file:///srv/deploy.git', path: ../x}}")).isNull();

        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).isEqualTo("apps.web.gitops.onFight: expected one of alert | pause | refuse,"
                + " got 'ignore'");
        assertThat(problems.get(1)).startsWith("apps.web.gitops.git.path: expected a directory relative");
    }
}
