package dev.deployguard.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.rollout.Rollout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;

/**
 * The dashboard in a real browser (Debian's Chromium through chromedriver) against a real control plane, the demo
 * app's processes behind a real router and steady traffic: a canary of v2 at 30% waits for an operator while its
 * analysis looks every second. A viewer watches the charts grow without reloading and has no button to press (a
 * forged POST from the page is refused); an operator aborts from the page, and the audit trail records it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {
    /** A change cause that would run script if any page put it into HTML unescaped. */
    static final String HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

    Path dir;
    DashboardFixture f;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("dashboard-it");
        f = new DashboardFixture(dir, false);
        f.deployFirst("v1", HOSTILE);
        f.startCanary("v2");
    }

    @AfterAll
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private Browser loggedIn(String name, String token) throws Exception {
        Browser b = new Browser(Files.createTempDirectory(dir, "chromium-" + name));
        b.driver.get(f.api.url() + "/ui/");
        // Not logged in: the dashboard sends the browser to its login form.
        b.waiting(Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().endsWith("/ui/login"));
        if (name.equals("viewer")) {
            b.screenshot("login");
        }
        b.driver.findElement(By.id("token")).sendKeys(token);
        b.driver.findElement(By.id("login")).click();
        b.waiting(Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().endsWith("/ui/"));
        return b;
    }

    /** How many points the first SVG path matching {@code css} draws (its move and line commands). */
    private static int segments(Browser b, String css) {
        var paths = b.driver.findElements(By.cssSelector(css));
        if (paths.isEmpty()) {
            return 0;
        }
        String d = paths.get(0).getDomAttribute("d");
        return d == null || d.equals("M0 0") ? 0 : d.replaceAll("[^ML]", "").length();
    }

    private static int points(Browser b, String chart) {
        return Integer.parseInt(b.driver.findElement(By.id(chart)).getDomAttribute("data-n"));
    }

    @Test
    @Order(1)
    void aViewerSeesTheChartsUpdateLiveAndCannotPressAButton() throws Exception {
        String token = f.token("watcher", "viewer");
        try (Browser b = loggedIn("viewer", token)) {
            // The session cookie: not readable by the page's scripts, never sent on another site's request.
            Cookie session = b.driver.manage().getCookieNamed(Sessions.COOKIE);
            assertThat(session.isHttpOnly()).isTrue();
            assertThat(session.getSameSite()).isEqualTo("Strict");
            assertThat((String) b.driver.executeScript("return document.cookie")).doesNotContain(session.getValue());
            assertThat(b.driver.findElement(By.id("who")).getText()).contains("watcher").contains("viewer");

            b.waiting(Duration.ofSeconds(20)).until(d -> {
                String row = d.findElement(By.cssSelector("tr[data-app='demo']")).getText();
                return row.contains("v1") && row.contains("PAUSED") && row.contains("30%");
            });
            b.screenshot("apps");

            b.driver.get(f.api.url() + "/ui/apps/demo/rollout");
            var wait = b.waiting(Duration.ofSeconds(60));
            wait.until(d -> points(b, "chart-weight") >= 1);
            int before = points(b, "chart-weight");
            // Live: new analysis looks arrive over the event stream and redraw the chart, no reload.
            wait.until(d -> points(b, "chart-weight") >= before + 3);
            assertThat(b.driver.findElements(By.cssSelector("#chart-evalue path[data-series='1/alpha (roll back)']")))
                    .hasSize(1);
            assertThat(b.driver.findElements(By.cssSelector("#chart-ratio path[data-series='upper']"))).hasSize(1);
            wait.until(d -> d.findElement(By.id("weight")).getText().equals("30%"));
            assertThat(b.driver.findElement(By.id("verdicts")).getText()).containsAnyOf("Hold:", "Promote:");

            // Custom metrics: one chart each, one point per measurement, growing live over the same event stream.
            wait.until(d -> points(b, "chart-custom-p50-latency") >= 1);
            int measured = points(b, "chart-custom-p50-latency");
            wait.until(d -> points(b, "chart-custom-p50-latency") >= measured + 3);
            // Relative: canary and stable drawn per track, each measurement's condition result marked.
            assertThat(b.driver.findElements(By.cssSelector("#chart-custom-p50-latency path[data-series='canary'],"
                    + " #chart-custom-p50-latency path[data-series='stable']"))).hasSize(2);
            assertThat(b.driver.findElements(By.cssSelector("#chart-custom-p50-latency circle.mark"))).isNotEmpty();
            assertThat(b.driver.findElement(By.cssSelector("#chart-custom-p50-latency figcaption")).getText())
                    .contains("canary and stable").contains("RUNNING");
            // The dry run is marked as such; its condition failed it, and it decided nothing (still PAUSED below).
            wait.until(d -> "FAILED".equals(d.findElement(By.id("chart-custom-request-rate")).getDomAttribute(
                    "data-phase")));
            assertThat(b.driver.findElement(By.cssSelector("#chart-custom-request-rate figcaption")).getText())
                    .contains("dry run").contains("FAILED");
            assertThat(b.driver.findElement(By.cssSelector("#metric-status tr[data-metric='request-rate']"))
                    .getText()).contains("dry run").contains("FAILED");
            wait.until(d -> d.findElement(By.cssSelector("#metric-status tr[data-metric='p50-latency']")).getText()
                    .contains("canary / stable"));
            assertThat(b.driver.findElements(By.id("metric-why"))).isEmpty(); // no metric decided anything

            // The judge's latency metric (the share of pairs in which the canary was slower, against 50%): its value
            // is drawn once the judge is past its latency warm-up (200 canary requests here); it has no confidence
            // bounds, so none are drawn or listed. Before, the chart showed a lone bound line: lower and upper were
            // drawn empty and nothing said that the value waits for the warm-up.
            b.waiting(Duration.ofSeconds(180)).until(d -> segments(b, "#chart-metric-latency path[data-series='value']")
                    >= 2);
            assertThat(b.driver.findElements(By.cssSelector("#chart-metric-latency path[data-series='bound']")))
                    .hasSize(1);
            assertThat(b.driver.findElements(By.cssSelector("#chart-metric-latency path[data-series='lower'],"
                    + " #chart-metric-latency path[data-series='upper']"))).isEmpty();
            assertThat(b.driver.findElement(By.cssSelector("#chart-metric-latency figcaption")).getText())
                    .isEqualTo("Metric latency: value against its bound");
            b.driver.executeScript("document.getElementById('custom-metric-charts').previousElementSibling"
                    + ".previousElementSibling.scrollIntoView()");
            b.screenshot("rollout-metrics");
            b.driver.executeScript("window.scrollTo(0, 0)");

            // Read-only: no button at all, and a POST forged from the page (with the session's CSRF token) is refused.
            assertThat(b.driver.findElements(By.cssSelector("button.action"))).isEmpty();
            Object status = b.driver.executeAsyncScript("""
                    var done = arguments[arguments.length - 1];
                    fetch('/api/apps/demo/abort', {method: 'POST', credentials: 'same-origin',
                        headers: {'Content-Type': 'application/json', 'X-DeployGuard-CSRF': document.body.dataset.csrf},
                        body: '{}'}).then(function (r) { done(r.status); });""");
            assertThat(((Number) status).intValue()).isEqualTo(403);
            b.screenshot("rollout-viewer");

            b.driver.get(f.api.url() + "/ui/apps/demo");
            b.waiting(Duration.ofSeconds(20)).until(d -> d.findElement(By.id("history")).getText().contains("v1"));
            // User data is text, never markup: the hostile change cause shows as typed and runs nothing.
            assertThat(b.driver.findElement(By.id("history")).getText()).contains(HOSTILE);
            assertThat(b.driver.findElements(By.cssSelector("#history img, #history script"))).isEmpty();
            assertThat(b.driver.getTitle()).isNotEqualTo("pwned");
            assertThat(b.driver.findElements(By.cssSelector("button.action"))).isEmpty();
            b.screenshot("app");
        }
        Rollout r = f.cp.store().activeRollout("demo").orElseThrow();
        assertThat(r.phase()).isEqualTo(Rollout.Phase.PAUSED); // waiting for an operator, not aborted
        assertThat(kinds("audit.refused")).anySatisfy(e -> {
            assertThat(e.path("actor").asText()).startsWith("watcher");
            assertThat(e.path("message").asText()).contains("abort");
        });
    }

    @Test
    @Order(2)
    void anOperatorAbortsTheRolloutFromThePageAndTheAuditTrailShowsIt() throws Exception {
        String token = f.token("oncall", "operator");
        try (Browser b = loggedIn("operator", token)) {
            b.driver.get(f.api.url() + "/ui/apps/demo/rollout");
            var wait = b.waiting(Duration.ofSeconds(60));
            wait.until(d -> points(b, "chart-weight") >= 3);
            assertThat(b.driver.findElements(By.cssSelector("button.action")).stream()
                    .map(e -> e.getDomAttribute("data-action")).toList()).contains("promote", "abort", "pause");
            b.screenshot("rollout");

            b.driver.findElement(By.id("abort")).click(); // the buttons are replaced only when the phase changes
            // The page learns the outcome from the event stream, as any other change.
            wait.until(d -> d.findElement(By.id("phase")).getText().equals("ROLLED_BACK"));
            wait.until(d -> d.findElement(By.id("message")).getText().startsWith("abort:"));
            assertThat(b.driver.findElements(By.cssSelector("button.action[data-action='abort']"))).isEmpty();
            assertThat(b.driver.findElement(By.cssSelector("button.action[data-action='rollback']")).getText())
                    .isEqualTo("Roll back to 1");
            b.screenshot("rollout-aborted");
        }
        assertThat(f.cp.store().rollouts("demo", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(kinds("audit.action")).anySatisfy(e -> {
            assertThat(e.path("actor").asText()).startsWith("oncall");
            assertThat(e.path("message").asText()).contains("abort");
        });
        assertThat(kinds("rollout.command")).anySatisfy(e -> assertThat(e.path("actor").asText())
                .startsWith("oncall"));
    }

    @Test
    @Order(3)
    void anOperatorRollsBackToARevisionFromTheHistory() throws Exception {
        String token = f.token("releaser", "operator");
        try (Browser b = loggedIn("releaser", token)) {
            b.driver.get(f.api.url() + "/ui/apps/demo");
            var wait = b.waiting(Duration.ofSeconds(90));
            // Revision 2 (v2, rolled back by the abort) is in the list with its button; revision 1 serves.
            b.driver.findElement(By.cssSelector("#history button[data-action='rollback'][data-revision='2']"))
                    .click();
            // Like `helm rollback demo 2`: a new revision 3 copies revision 2 and serves, and the page shows it live.
            wait.until(d -> d.findElement(By.id("history")).getText().lines()
                    .anyMatch(l -> l.startsWith("3 v2 DEPLOYED")));
            wait.until(d -> d.findElement(By.id("app-state")).getText().contains("v2 (revision 3)"));
            // The API's answer (the audit event is written before it) ends the button's call.
            wait.until(d -> d.findElement(By.id("message")).getText().startsWith("rollback:"));
        }
        assertThat(kinds("audit.action")).anySatisfy(e -> {
            assertThat(e.path("actor").asText()).startsWith("releaser");
            assertThat(e.path("message").asText()).contains("rollback");
        });
    }

    private List<JsonNode> kinds(String kind) throws Exception {
        JsonNode events = f.call("GET", "/api/events?limit=10000", f.cp.apiToken(), null).path("events");
        List<JsonNode> out = new ArrayList<>();
        events.forEach(e -> {
            if (e.path("kind").asText().equals(kind)) {
                out.add(e);
            }
        });
        return out;
    }
}
