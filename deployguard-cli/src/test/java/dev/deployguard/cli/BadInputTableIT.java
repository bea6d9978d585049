package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, "Done means": every bad input the issue lists, as a table run against one real control plane. Each row
 * asserts the exit code, the message (naming the rule or the place to fix), no stack trace, and that nothing changed:
 * history, events (the audit trail, which records refusals on purpose, aside), the routes and the app's answer.
 */
class BadInputTableIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    /** One bad input: the spec to put in place first (null: the good one), the command, and what it must answer. */
    record Row(String name, String spec, List<String> args, int exit, List<String> message) {
        static Row of(String name, String spec, int exit, List<String> args, String... message) {
            return new Row(name, spec, args, exit, List.of(message));
        }
    }

    private String state() {
        String history = h.ok("history", "demo", "-o", "json").out();
        List<String> events = new ArrayList<>();
        h.ok("events", "demo", "-o", "json").json().path("events").forEach(e -> {
            if (!e.path("kind").asText().startsWith("audit.")) {
                events.add(e.path("id").asText() + " " + e.path("kind").asText());
            }
        });
        String routes = h.ok("status", "demo", "-o", "json").json().path("routes").toString();
        return history + "\n" + events + "\n" + routes;
    }

    @Test
    void everyBadInputOfIssue19IsRefusedWithItsExitCodeAndMessageAndChangesNothing() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        String good = Files.readString(h.spec);
        String fourProblems = good
                + "  other:\n    platform: {local: {command: [srv, \"${port}\"], listen: \"127.0.0.1:9100\","
                + " colour: red}}\n"
                + "  Bad_Name:\n    platform: {local: {command: [srv, \"${port}\"], listen: \"127.0.0.1:9101\"}}\n"
                + "  third:\n    platform: {local: {listen: \"127.0.0.1:9102\"}}\n"
                + "  fifth:\n    platform: {local: {command: [srv, \"${port}\"], listen: \"127.0.0.1:9104\","
                + " stopp: {}}}\n";

        List<Row> table = List.of(
                Row.of("a version with a newline (it forged a history row)", null, 2,
                        List.of("deploy", "demo", "--version", "v2\n3  v9  DEPLOYED  forged"),
                        "invalid version 'v2\\u000a3", "letters, digits"),
                Row.of("a 5,000-character version (it was a raw SQL error)", null, 2,
                        List.of("deploy", "demo", "--version", "v".repeat(5_000)),
                        "invalid version", "(5000 characters)", "1-128 characters"),
                Row.of("a change cause of two lines", null, 2,
                        List.of("deploy", "demo", "--version", "v2", "--change-cause", "fix\nREVISION 9 forged"),
                        "control character", "one line"),
                Row.of("deploy ../evil (it was Jetty's HTML page)", null, 2,
                        List.of("deploy", "../evil", "--version", "v2"), "app names are lowercase"),
                Row.of("malformed YAML (the message was cut off at the cause)", "apps:\n  demo: \"unterminated\n", 2,
                        List.of("deploy", "demo", "--version", "v2"), "invalid spec", "malformed YAML", "line 2"),
                Row.of("four spec problems (only the first was shown)", fourProblems, 2,
                        List.of("deploy", "demo", "--version", "v2"),
                        "apps.other.platform.local.colour: unknown field", "apps.Bad_Name: app name must be",
                        "apps.third.platform.local.command: missing", "apps.fifth.platform.local.stopp: unknown field"));

        for (Row row : table) {
            Files.writeString(h.spec, row.spec() != null ? row.spec() : good);
            String before = state();
            Harness.Run r = h.cli(row.args().toArray(String[]::new));
            String said = r.err() + r.out();
            assertThat(r.exit()).as(row.name() + ": exit code; said: " + said).isEqualTo(row.exit());
            assertThat(r.err()).as(row.name()).contains(row.message());
            assertThat(said).as(row.name() + ": no stack trace").doesNotContain("\tat ", "<html", "<HTML");
            Files.writeString(h.spec, good);
            assertThat(state()).as(row.name() + ": nothing changed").isEqualTo(before);
            assertThat(h.get()).as(row.name()).isEqualTo("hello from demo v1");
        }
    }

    /** A state directory that cannot be created (it was 42 lines of Java stack traces); no file is left behind. */
    @Test
    void aStateDirectoryThatCannotBeCreatedIsNamedWithoutAStackTrace() throws Exception {
        h = new Harness(dir, "", 1);
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory\n");
        Path out = dir.resolve("server.out");
        Process p = new ProcessBuilder(Harness.java(), "-cp", Harness.classPath(),
                DeployGuard.class.getName(), "--state-dir", file.resolve("state").toString(), "server", "-f",
                h.spec.toString(), "--listen", "127.0.0.1:0").redirectErrorStream(true).redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the server did not stop on a state directory it cannot create: "
                    + Harness.read(out));
        }
        String said = Harness.read(out);
        assertThat(p.exitValue()).as(said).isEqualTo(1);
        assertThat(said).contains("cannot create state directory " + file.resolve("state"), "Not a directory")
                .doesNotContain("\tat ");
        assertThat(Files.readString(file)).isEqualTo("not a directory\n");
    }
}
