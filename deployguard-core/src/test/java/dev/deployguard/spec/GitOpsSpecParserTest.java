package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
                + " expected one of: argocdNamespace, autoSync, fightWindow, onFight");
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
}
