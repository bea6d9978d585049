package dev.deployguard.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChecklistTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T01:00:00Z"), ZoneOffset.UTC);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void letBlockedChecksGo() {
        release.countDown();
    }

    private static CheckContext context(Duration timeout) {
        return new CheckContext(null, "1.2.3", timeout, CLOCK, null);
    }

    private static Check check(String name, CheckResult result) {
        return new Check() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CheckResult run(CheckContext context) {
                return result;
            }
        };
    }

    @Test
    void readyWhenEveryCheckPassesWarnsOrIsSkipped() {
        var checklist = new Checklist(List.of(
                check("a", CheckResult.pass("a", "fine")),
                check("b", CheckResult.warn("b", "meh", "look at it")),
                check("c", CheckResult.fail("c", "broken", "fix it"))), Set.of("c"));

        ChecklistReport report = checklist.run("web", context(Duration.ofSeconds(5)));

        assertThat(report.verdict()).isEqualTo(ChecklistVerdict.READY);
        assertThat(report.app()).isEqualTo("web");
        assertThat(report.version()).isEqualTo("1.2.3");
        assertThat(report.startedAt()).isEqualTo(CLOCK.instant());
        assertThat(report.results()).extracting(CheckResult::name).containsExactly("a", "b", "c");
        assertThat(report.results()).extracting(CheckResult::status)
                .containsExactly(CheckStatus.PASS, CheckStatus.WARN, CheckStatus.SKIPPED);
        assertThat(report.results().get(2).evidence()).isEqualTo("left out by checks.skip in the spec");
    }

    @Test
    void oneFailureOrErrorMakesItNotReady() {
        var failing = new Checklist(List.of(check("a", CheckResult.pass("a", "fine")),
                check("b", CheckResult.fail("b", "port 8080 in use", "stop it"))), Set.of());
        var erring = new Checklist(List.of(check("a", CheckResult.pass("a", "fine")),
                check("b", CheckResult.error("b", "registry unreachable", "start it"))), Set.of());

        assertThat(failing.run("web", context(Duration.ofSeconds(5))).verdict())
                .isEqualTo(ChecklistVerdict.NOT_READY);
        ChecklistReport report = erring.run("web", context(Duration.ofSeconds(5)));
        assertThat(report.verdict()).isEqualTo(ChecklistVerdict.NOT_READY);
        assertThat(report.blocking()).extracting(CheckResult::name).containsExactly("b");
        assertThat(report.blockingSummary()).isEqualTo("b ERROR: registry unreachable — start it");
    }

    @Test
    void aCheckThatDoesNotAnswerIsReportedWithoutWaitingForIt() {
        var interrupted = new CountDownLatch(1);
        Check stuck = new Check() {
            @Override
            public String name() {
                return "stuck";
            }

            @Override
            public CheckResult run(CheckContext context) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return CheckResult.pass("stuck", "late");
            }
        };
        var checklist = new Checklist(List.of(stuck, check("quick", CheckResult.pass("quick", "fine"))), Set.of());

        ChecklistReport report = checklist.run("web", context(Duration.ofMillis(50)));

        CheckResult r = report.results().get(0);
        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).isEqualTo("no answer within 50ms");
        assertThat(r.remedy()).contains("checks.timeout");
        assertThat(r.took()).isEqualTo(Duration.ofMillis(50));
        assertThat(report.results().get(1).status()).isEqualTo(CheckStatus.PASS);
        assertThat(report.verdict()).isEqualTo(ChecklistVerdict.NOT_READY);
        assertThat(release.getCount()).as("the checklist returned while the check was still blocked").isEqualTo(1);
        assertThat(await(interrupted)).as("the abandoned check is interrupted").isTrue();
    }

    @Test
    void checksRunInParallel() {
        // Each check waits for the other to start: run one after the other, both would time out.
        var bothStarted = new CountDownLatch(2);
        Check a = rendezvous("a", bothStarted);
        Check b = rendezvous("b", bothStarted);

        ChecklistReport report = new Checklist(List.of(a, b), Set.of()).run("web", context(Duration.ofSeconds(10)));

        assertThat(report.results()).extracting(CheckResult::status)
                .containsExactly(CheckStatus.PASS, CheckStatus.PASS);
    }

    @Test
    void anExceptionIsAnErrorWithItsMessage() {
        Check throwing = new Check() {
            @Override
            public String name() {
                return "boom";
            }

            @Override
            public CheckResult run(CheckContext context) {
                throw new IllegalStateException("cannot read reports/grype.json");
            }
        };

        CheckResult r = new Checklist(List.of(throwing), Set.of()).run("web", context(Duration.ofSeconds(5)))
                .results().get(0);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).isEqualTo("the check stopped with an error: cannot read reports/grype.json");
        assertThat(r.remedy()).isNotEmpty();
    }

    @Test
    void aMissingResultIsAnError() {
        CheckResult r = new Checklist(List.of(check("nothing", null)), Set.of()).run("web",
                context(Duration.ofSeconds(5))).results().get(0);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).isEqualTo("the check returned no result");
    }

    @Test
    void recordsHowLongEachCheckTookOnTheGivenTicker() {
        var ticker = new AtomicLong();
        Check slow = new Check() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public CheckResult run(CheckContext context) {
                ticker.addAndGet(Duration.ofMillis(1200).toNanos());
                return CheckResult.pass("other-name", "fine");
            }
        };

        ChecklistReport report = new Checklist(List.of(slow), Set.of(), ticker::get).run("web",
                context(Duration.ofSeconds(5)));

        CheckResult r = report.results().get(0);
        assertThat(r.name()).as("the check's own name wins").isEqualTo("slow");
        assertThat(r.took()).isEqualTo(Duration.ofMillis(1200));
        assertThat(report.took()).isEqualTo(Duration.ofMillis(1200));
    }

    private static Check rendezvous(String name, CountDownLatch bothStarted) {
        return new Check() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CheckResult run(CheckContext context) throws InterruptedException {
                bothStarted.countDown();
                return bothStarted.await(5, TimeUnit.SECONDS) ? CheckResult.pass(name, "met the other check")
                        : CheckResult.fail(name, "ran alone", "");
            }
        };
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
