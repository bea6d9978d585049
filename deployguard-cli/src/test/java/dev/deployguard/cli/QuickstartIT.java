package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code ./deployguard quickstart}, run as a user runs it (the launcher script, which
 * executes the distribution jar this build just packaged): it must report zero failed requests across upgrade,
 * rollback and the broken upgrade, roll the bad canary back and promote the good one, and exit 0.
 */
class QuickstartIT {
    @TempDir
    Path dir;

    @Test
    void theQuickstartLosesNoRequestRollsBackTheBadCanaryAndPromotesTheGoodOne() throws Exception {
        Path root = repositoryRoot();
        Path jar = root.resolve("deployguard-cli/target/deployguard.jar");
        assertThat(jar).as("the distribution jar (built by 'mvn package' before the ITs run)").isRegularFile();
        Path out = dir.resolve("quickstart.out");
        var pb = new ProcessBuilder(root.resolve("deployguard").toString(), "--state-dir",
                dir.resolve("state").toString(), "quickstart").redirectErrorStream(true).redirectOutput(out.toFile());
        Process quickstart = pb.start();
        // Bounded: the quickstart's own canary waits end after 4 minutes each.
        boolean finished = quickstart.waitFor(9, TimeUnit.MINUTES);
        if (!finished) {
            quickstart.descendants().forEach(ProcessHandle::destroyForcibly);
            quickstart.destroyForcibly().waitFor();
        }
        String text = Files.readString(out);
        text.lines().filter(l -> l.contains("done in") || l.startsWith("Quickstart")).forEach(l ->
                System.out.println("QuickstartIT: " + l.strip()));
        assertThat(finished).as("finished within 9 minutes:\n%s", text).isTrue();
        assertThat(text).as("the launcher ran the jar this build packaged, without building")
                .doesNotContain("building the distribution");
        assertThat(quickstart.exitValue()).as(text).isZero();

        Matcher traffic = Pattern.compile("User traffic through the router during deploy, upgrade, rollback and the"
                + " broken upgrade: (\\d+) requests, (\\d+) failed").matcher(text);
        assertThat(traffic.find()).as(text).isTrue();
        assertThat(Long.parseLong(traffic.group(1))).as("requests sent").isPositive();
        assertThat(Long.parseLong(traffic.group(2))).as("failed requests").isZero();
        assertThat(text).contains("Canary v4 (2% errors): ROLLED_BACK by the sequential judge");
        assertThat(text).containsPattern("Canary v5 \\(good\\): SUCCEEDED [0-9.]+ s after the deploy began, "
                + "0 failed requests");
        assertThat(text).contains("Quickstart passed: zero failed requests");
        assertThat(text).contains("as expected, the deploy failed (exit code 3)");
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("deployguard")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new AssertionError("no ./deployguard launcher above " + Path.of("").toAbsolutePath()
);
    }
}
