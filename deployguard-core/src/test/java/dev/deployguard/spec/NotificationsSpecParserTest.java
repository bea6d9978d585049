package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NotificationsSpecParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final List<String> problems = new ArrayList<>();

    private NotificationsSpec parse(String yaml) {
        try {
            return NotificationsSpecParser.parse(YAML.readTree(yaml), "apps.web.notifications", Path.of("/srv"),
                    problems);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsEveryField() {
        NotificationsSpec n = parse("""
                targets:
                  - {type: webhook, url: "https://hooks.example.com/deploys", tokenEnv: HOOK_TOKEN}
                  - {type: slack, urlEnv: SLACK_WEBHOOK_URL}
                on: [rollback, incident]
                timeout: 2s
                retries: 4
                backoff: 250ms
                autoOpenIncident: false
                """);
        assertThat(problems).isEmpty();
        assertThat(n.targets()).containsExactly(
                new NotificationsSpec.Target("webhook", "https://hooks.example.com/deploys", null, "HOOK_TOKEN"),
                new NotificationsSpec.Target("slack", null, "SLACK_WEBHOOK_URL", null));
        assertThat(n.on()).isEqualTo(Set.of("rollback", "incident"));
        assertThat(n.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(n.retries()).isEqualTo(4);
        assertThat(n.backoff()).isEqualTo(Duration.ofMillis(250));
        assertThat(n.autoOpenIncident()).isFalse();
    }

    @Test
    void defaultsSendEveryTopicAndOpenIncidents() {
        NotificationsSpec n = parse("targets: [{type: webhook, url: 'http://127.0.0.1:9/x'}]");
        assertThat(n.on()).isEqualTo(NotificationsSpec.DEFAULT_ON);
        assertThat(n.autoOpenIncident()).isTrue();
        assertThat(n.retries()).isEqualTo(NotificationsSpec.DEFAULT.retries());
    }

    @Test
    void secretsInTheFileAndOtherMistakesAreRefusedWithTheirPath() {
        assertThat(parse("""
                targets:
                  - {type: teams, url: "https://x.example/hook"}
                  - {type: webhook, url: "https://user:pw@x.example/hook"}
                  - {type: webhook, url: "https://x.example/hook?token=abc"}
                  - {type: slack}
                  - {type: slack, urlEnv: "not a name"}
                on: [everything]
                retries: 50
                """)).isNull();
        assertThat(problems).containsExactly(
                "apps.web.notifications.targets[0].type: expected webhook or slack, got 'teams'",
                "apps.web.notifications.targets[1].url: must not carry a secret; put the address in an environment"
                        + " variable and name it in urlEnv, or the token in tokenEnv",
                "apps.web.notifications.targets[2].url: must not carry a secret; put the address in an environment"
                        + " variable and name it in urlEnv, or the token in tokenEnv",
                "apps.web.notifications.targets[3]: expected exactly one of url or urlEnv (the name of an environment"
                        + " variable holding a secret address, as Slack's are)",
                "apps.web.notifications.targets[4]: 'not a name' is not an environment variable name (letters,"
                        + " digits, _)",
                "apps.web.notifications.on: unknown topic 'everything'; expected some of: rollout, verdict, rollback,"
                        + " incident, backup",
                "apps.web.notifications.retries: expected 0 to 10, got 50");
    }
}
