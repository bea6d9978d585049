package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incidents and notifications end to end: an automatic rollback of a bad canary opens an incident whose report's
 * timeline and key times are those of the recorded events; notification targets that are down or hang never
 * delay a rollback; bad input is refused with the right exit code.
 */
class IncidentIT {
    private static final String TOKEN = "s3cret-token-value";
    private static final String SLACK_SECRET = "T000SECRETPATH";

    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        h.ok("events", "demo", "-o", "json").json().path("events").forEach(out::add);
        return out;
    }

    private static JsonNode first(List<JsonNode> events, Predicate<JsonNode> p) {
        return events.stream().filter(p).findFirst().orElseThrow(() -> new AssertionError("no such event in "
                + events.stream().map(e -> e.path("kind").asText()).toList()));
    }

    private static Predicate<JsonNode> kind(String k) {
        return e -> e.path("kind").asText().equals(k);
    }

    private static Instant at(JsonNode e) {
        return Instant.parse(e.path("at").asText());
    }

    private static String seconds(Instant from, Instant to) {
        return String.format(Locale.ROOT, "%.3f s", Duration.between(from, to).toMillis() / 1000.0);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang, not speed
    void anAutomaticRollbackOpensAnIncidentWhoseReportMatchesTheEvents() throws Exception {
        try (var endpoints = new NotificationEndpoints()) {
            h = new Harness(dir, "v2:errorRate=0.2", 1);
            h.serverEnv.put("HOOK_TOKEN", TOKEN);
            h.serverEnv.put("SLACK_URL", endpoints.recorderUrl("/slack/" + SLACK_SECRET));
            h.writeSpec("v2:errorRate=0.2", 1, Harness.java(), "127.0.0.1:" + h.listen, CanaryIT.CANARY + """
                    notifications:
                      targets:
                        - {type: webhook, url: "%s", tokenEnv: HOOK_TOKEN}
                        - {type: slack, urlEnv: SLACK_URL}
                        - {type: webhook, url: "%s"}
                      timeout: 1m
                      retries: 1
                      backoff: 100ms
                    """.formatted(endpoints.recorderUrl("/hook"), endpoints.holderUrl()) + DrillIT.SKIP_PORTS_CHECK);
            h.startServer();
            h.ok("deploy", "demo", "--version", "v1");
            JsonNode incident;
            try (var traffic = new SteadyTraffic(h.app(), 4, 400).start()) {
                h.ok("deploy", "demo", "--version", "v2");
                Harness.await(Duration.ofSeconds(150), () -> h.ok("incident", "list", "demo", "-o", "json").json()
                        .path("incidents").size() == 1);
                incident = h.ok("incident", "list", "demo", "-o", "json").json().path("incidents").get(0);
                // Some seconds of traffic after the rollback, so the report has an "after" period.
                long sent = traffic.sent();
                Harness.await(Duration.ofSeconds(30), () -> traffic.sent() > sent + 1200);
            }
            long id = incident.path("id").asLong();
            assertThat(incident.path("openedBy").asText()).isEqualTo("system");
            assertThat(incident.path("title").asText()).startsWith("Automatic rollback of revision 2")
                    .contains("analysis failed");
            assertThat(incident.path("rolloutId").asLong()).isEqualTo(h.ok("status", "demo", "-o", "json").json()
                    .path("rollout").path("id").asLong());
            h.ok("incident", "note", Long.toString(id), "error rate 20% on v2, rolled back by itself");
            h.ok("incident", "close", Long.toString(id), "--resolution", "v2 withdrawn");
            Path file = dir.resolve("report.md");
            h.ok("incident", "report", Long.toString(id), "-o", file.toString());
            String report = Files.readString(file);

            List<JsonNode> events = events();
            JsonNode started = first(events, kind("rollout.started"));
            JsonNode fail = first(events, kind("analysis.verdict").and(e -> e.path("message").asText()
                    .startsWith("FAIL")));
            JsonNode rollback = first(events, kind("rollback.automatic"));
            JsonNode closed = first(events, kind("incident.closed"));
            assertThat(report).contains("| Time to detect | " + seconds(at(started), at(fail)) + " | `analysis.verdict`");
            assertThat(report).contains("| Time to roll back | " + seconds(at(started), at(rollback))
                    + " | `rollback.automatic`", "router switch " + rollback.path("data").path("switchMillis").asLong()
                    + " ms");
            assertThat(report).contains("| Time to resolve | " + seconds(at(started), at(closed)) + " | `incident.closed`");
            // The timeline is every event of the app from 5 min before the rollout's start to the closing, in order.
            List<String> expected = events.stream().filter(e -> !at(e).isBefore(at(started).minusSeconds(300))
                    && e.path("id").asLong() <= closed.path("id").asLong()).map(e -> e.path("kind").asText()).toList();
            assertThat(timelineKinds(report)).containsExactlyElementsOf(expected);
            assertThat(report).contains("# Post-incident report: Automatic rollback of revision 2",
                    "| before |", "| during |", "| after |", "error rate 20% on v2",
                    "v2 withdrawn", "## Root cause", "## Fix", "## Prevention", "- [ ] Runbook updated",
                    "- [ ] Debrief held");
            Matcher affected = Pattern.compile("Requests affected: (\\d+) requests served by revision 2, (\\d+) of"
                    + " them errors").matcher(report);
            assertThat(affected.find()).as(report).isTrue();
            assertThat(Long.parseLong(affected.group(1))).isPositive();
            assertThat(Long.parseLong(affected.group(2))).as("v2 errs on 20%% of its requests").isPositive();
            Matcher after = Pattern.compile("\\| after \\| [^|]+ \\| [^|]+ \\| (\\d+) \\| (\\d+) \\|").matcher(report);
            assertThat(after.find()).as(report).isTrue();
            assertThat(Long.parseLong(after.group(1))).as("requests after the rollback in %s", report).isPositive();
            assertThat(Long.parseLong(after.group(2))).as("errors after the rollback").isZero();

            // A target that holds every notification it gets (until the test lets it answer, below) did not hold up
            // the automatic rollback: it happened while the target had answered nothing. Had the rollout waited for
            // its notifications (1 min per attempt here, two attempts, for every rollout.started and verdict
            // notification), there would have been no incident within the wait above.
            Harness.await(Duration.ofSeconds(60), () -> endpoints.held.stream()
                    .anyMatch(r -> r.body().contains("\"kind\":\"rollout.started\"")));
            assertThat(endpoints.answeredByHolder()).isZero();
            // The held target delays only its own messages: the other webhook gets every one, in the order raised,
            // while the held target still has answered nothing.
            // Each target is its own lane: wait for the message asserted on each (incident.closed from the slack lane
            // says nothing about the webhook's, whose last messages may still be on their way).
            Harness.await(Duration.ofSeconds(60), () -> endpoints.received.stream()
                    .anyMatch(r -> r.path().equals("/hook") && r.body().contains("\"kind\":\"incident.closed\""))
                    && endpoints.received.stream().anyMatch(r -> r.path().startsWith("/slack/")
                    && r.body().startsWith("{\"text\":\"[demo] rollback.automatic")));
            assertThat(endpoints.answeredByHolder()).isZero();
            List<String> hookKinds = endpoints.received.stream().filter(r -> r.path().equals("/hook"))
                    .map(r -> r.body().replaceAll(".*\"kind\":\"([^\"]+)\".*", "$1")).toList();
            assertThat(hookKinds).containsSubsequence("rollout.started", "analysis.verdict", "rollback.automatic",
                    "incident.opened", "incident.closed");
            endpoints.release();
            assertThat(endpoints.received.stream().filter(r -> r.path().equals("/hook")))
                    .allMatch(r -> ("Bearer " + TOKEN).equals(r.authorization()));
            assertThat(endpoints.received.stream().filter(r -> r.path().startsWith("/slack/"))
                    .map(NotificationEndpoints.Received::body))
                    .anyMatch(b -> b.startsWith("{\"text\":\"[demo] rollback.automatic: all traffic back on revision 1"));
            assertThat(events()).noneMatch(kind("notification.failed"));
            assertThat(h.ok("events", "demo", "-o", "json").out()).doesNotContain(TOKEN, SLACK_SECRET);
        }
    }

    private static List<String> timelineKinds(String report) {
        String section = report.substring(report.indexOf("## Timeline"), report.indexOf("## Notes"));
        List<String> kinds = new ArrayList<>();
        for (String line : section.lines().toList()) {
            if (line.matches("\\| \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\|.*")) {
                kinds.add(line.split("\\|")[4].trim());
            }
        }
        return kinds;
    }

    /**
     * One target holds the notification of the rollback's start until the test lets it answer, which the test does
     * only once the rollback has returned: a rollback that waited for its notifications would not return before the
     * notifier gave up (2 × 1 min; the bound on the call turns that into a failure; nothing here measures how long
     * the switch took).
     */
    @Test
    void notificationTargetsThatAreDownOrHoldTheRequestNeverDelayAManualRollback() throws Exception {
        try (var endpoints = new NotificationEndpoints()) {
            h = new Harness(dir, "", 1);
            h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, """
                    notifications:
                      targets:
                        - {type: webhook, url: "%s"}
                        - {type: slack, url: "%s"}
                      timeout: 1m
                      retries: 1
                      backoff: 100ms
                    """.formatted(endpoints.holderUrl(), endpoints.downUrl()) + DrillIT.SKIP_PORTS_CHECK);
            h.startServer();
            h.ok("deploy", "demo", "--version", "v1");
            h.ok("deploy", "demo", "--version", "v2");

            // Waiting for the held notification would take two attempts of 1 min each: the bound is below that and
            // far above any rollback (a few seconds, tens on a saturated machine).
            Harness.Run rollback = assertTimeoutPreemptively(Duration.ofSeconds(100),
                    () -> h.ok("rollback", "demo", "-o", "json"), "the rollback waited for its notifications");

            assertThat(h.get()).isEqualTo("hello from demo v1");
            JsonNode result = rollback.json();
            assertThat(result.path("switchMillis").isIntegralNumber()).as(result.toString()).isTrue();
            List<JsonNode> events = events();
            JsonNode started = first(events, kind("rollback.started"));
            assertThat(events).anyMatch(kind("traffic.switched").and(e -> e.path("id").asLong()
                    > started.path("id").asLong()));
            Harness.await(Duration.ofSeconds(60), () -> endpoints.held.stream()
                    .anyMatch(r -> r.body().contains("\"kind\":\"rollback.started\"")));
            assertThat(endpoints.answeredByHolder()).as("held until released").isZero();
            endpoints.release();

            Harness.await(Duration.ofSeconds(60), () -> events().stream().filter(kind("notification.failed"))
                    .map(e -> e.path("message").asText()).anyMatch(m -> m.contains("rollback.started")));
            List<String> failures = events().stream().filter(kind("notification.failed"))
                    .map(e -> e.path("message").asText()).filter(m -> m.contains("rollback.started")).toList();
            assertThat(failures).singleElement().asString().contains("slack http://127.0.0.1:" + endpoints.downPort,
                    "2 attempt(s)", "unreachable (ConnectException)").doesNotContain("/hook");
            // Released, the holder answers on its own threads: the slack lane's failure says nothing of when.
            Harness.await(Duration.ofSeconds(60), () -> endpoints.answeredByHolder() > 0);
        }
    }

    @Test
    void badInputIsRefusedAndAReportOfAnAppWithNoEventsSaysWhatIsMissing() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();

        Harness.Run unknown = h.cli("incident", "report", "999");
        assertThat(unknown.exit()).isEqualTo(6);
        assertThat(unknown.err()).contains("no incident with id 999", "deployguard incident list");
        assertThat(h.cli("incident", "note", "999", "x").exit()).isEqualTo(6);
        assertThat(h.cli("incident", "close", "abc").exit()).isEqualTo(2);
        assertThat(h.cli("incident", "open", "ghost", "--title", "x").exit()).isEqualTo(6);
        Harness.Run badSeverity = h.cli("incident", "open", "demo", "--title", "x", "--severity", "bad");
        assertThat(badSeverity.exit()).isEqualTo(2);
        assertThat(badSeverity.err()).contains("SEV1 (worst) to SEV5");
        assertThat(h.ok("incident", "list", "-o", "json").json().path("incidents")).isEmpty();

        // demo is declared but was never deployed: no events, no router.
        String opened = h.ok("incident", "open", "demo", "--title", "users see 502", "--severity", "sev1").out();
        assertThat(opened).contains("incident 1 (SEV1, demo): users see 502 [open]");
        String report = h.ok("incident", "report", "1").out();
        assertThat(report).contains("# Post-incident report: users see 502", "Status | OPEN",
                "| Time to roll back | not measured | no such event yet |",
                "| Time to resolve | not measured | no such event yet |",
                "No failing analysis verdict was recorded", "No router traffic was recorded",
                "| incident.opened |", "- [ ] Root cause identified", "- [ ] Documentation updated");
        assertThat(timelineKinds(report)).containsExactly("incident.opened");
        h.ok("incident", "close", "1");
        Harness.Run twice = h.cli("incident", "close", "1");
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("already closed");
        JsonNode openedEvent = first(events(), kind("incident.opened"));
        assertThat(openedEvent.path("actor").asText()).isEqualTo(Harness.actor());
        assertThat(events()).extracting(e -> e.path("kind").asText()).containsExactly("incident.opened",
                "incident.closed");
    }
}
