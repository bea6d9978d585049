package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.check.ChecklistJson;
import dev.deployguard.check.ChecklistReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command tree as a user meets it: help everywhere, completion scripts, and refusals of bad input. */
class CommandTreeTest {
    @TempDir
    Path dir;

    /** One in-process run of the CLI. */
    record Run(int exit, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        var o = new ByteArrayOutputStream();
        var e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = DeployGuard.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** Every command path of the tree, e.g. ["incident", "list"], the root's subcommands first. */
    private static List<List<String>> paths(CommandLine cmd, List<String> prefix) {
        List<List<String>> all = new ArrayList<>();
        cmd.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) {
                return; // an alias
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(name);
            all.add(path);
            all.addAll(paths(sub, path));
        });
        return all;
    }

    @Test
    void helpAndHExitZeroWithUsageOnEveryCommandOfTheTree() {
        List<List<String>> paths = paths(DeployGuard.commandLine(), List.of());
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("deploy", "status", "stop", "delete", "down",
                "completion", "incident list", "incident report");
        paths.add(List.of());
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                Run r = run(args.toArray(String[]::new));
                assertThat(r.exit()).as("deployguard %s: %s", String.join(" ", args), r.err()).isZero();
                assertThat(r.out()).as("deployguard %s", String.join(" ", args))
                        .contains("Usage: deployguard" + (path.isEmpty() ? "" : " " + String.join(" ", path)))
                        .contains("-h, --help")
                        .doesNotContain("null)");
                assertThat(r.err()).isEmpty();
            }
        }
    }

    @Test
    void aNamedCommandGetsItsOwnSubtreeAndEverythingElseTheWholeTree() {
        assertThat(DeployGuard.commandName("--state-dir", "/s", "status", "demo")).isEqualTo("status");
        assertThat(DeployGuard.commandName("--server=http://h:1", "--token", "t", "incident", "list"))
                .isEqualTo("incident");
        assertThat(DeployGuard.commandName("--help")).isNull();
        assertThat(DeployGuard.commandName("help", "deploy")).isNull();
        assertThat(DeployGuard.commandName("completion", "bash")).isNull();
        assertThat(DeployGuard.commandName("statu")).isNull();
        assertThat(DeployGuard.commandName()).isNull();
        assertThat(DeployGuard.commandLine("status", "demo").getSubcommands()).containsOnlyKeys("status");
        assertThat(DeployGuard.commandLine("incident", "list").getSubcommands().get("incident").getSubcommands())
                .containsKeys("open", "note", "close", "list", "report");

        Run typo = run("statu", "demo");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("statu", "status");
        assertThat(run("--help").out()).contains("status", "stop", "delete", "down", "completion");
        assertThat(run("help", "stop").out()).startsWith("Usage: deployguard stop");
    }

    @Test
    void deployHelpNamesTheVersionPlaceholderLiterally() {
        assertThat(run("deploy", "--help").out()).contains("(fills ${version})");
    }

    @Test
    void completionScriptsForBashAndZshAreAcceptedByBash() throws Exception {
        for (String shell : List.of("bash", "zsh")) {
            Run r = run("completion", shell);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("complete -F", "stop", "delete", "down", "json", "yaml");
            Path script = dir.resolve("deployguard." + shell);
            Files.writeString(script, r.out());
            Process p = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("bash -n: %s", new String(p.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8)).isZero();
        }
        assertThat(run("completion", "zsh").out()).contains("bashcompinit");
    }

    @Test
    void anUnknownShellOrOutputFormatIsBadInputNamingTheChoices() {
        Run r = run("completion", "fish");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("fish", "bash, zsh");
        for (String[] cmd : new String[][] {{"status", "demo"}, {"history", "demo"}, {"events", "demo"},
                {"logs", "demo"}, {"incident", "list"}, {"stop", "demo"}, {"delete", "demo"}, {"down"},
                {"deploy", "demo", "--version", "v1"}}) {
            List<String> args = new ArrayList<>(List.of("--state-dir", dir.toString()));
            args.addAll(List.of(cmd));
            args.addAll(List.of("-o", "xml"));
            r = run(args.toArray(String[]::new));
            assertThat(r.exit()).as(String.join(" ", cmd)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", cmd)).contains("--output", "xml", "table, json, yaml");
        }
    }

    @Test
    void newCommandsWithoutAControlPlaneSaySoWithExitCode5() {
        for (String[] cmd : new String[][] {{"stop", "demo"}, {"delete", "demo"}, {"delete", "demo",
                "--keep-history"}, {"down"}, {"logs", "demo", "-o", "json"}, {"status", "demo", "-o", "yaml"}}) {
            List<String> args = new ArrayList<>(List.of("--state-dir", dir.toString()));
            args.addAll(List.of(cmd));
            Run r = run(args.toArray(String[]::new));
            assertThat(r.exit()).as(String.join(" ", cmd)).isEqualTo(5);
            assertThat(r.err()).as(String.join(" ", cmd)).contains("no control plane", "deployguard server");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void aBadWatchIntervalIsRefusedBeforeAnythingIsFetched() {
        Run r = run("--state-dir", dir.toString(), "status", "demo", "--watch", "--interval", "often");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--interval", "often");
        r = run("--state-dir", dir.toString(), "status", "demo", "--watch", "--interval", "10ms");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--interval: at least 100ms");
    }

    @Test
    void logsAsDataKeepEachInstancesLinesUnderItsHeader() {
        String text = "==> revision 2 instance 0 (pid 41, /s/logs/demo/demo-r2-0.log) <==\na\nb\n"
                + "==> revision 2 instance 1 (pid 42, /s/logs/demo/demo-r2-1.log) <==\nc\n";
        JsonNode n = LogsCommand.structured("demo", text);
        assertThat(n.path("app").asText()).isEqualTo("demo");
        assertThat(n.path("logs")).hasSize(2);
        JsonNode first = n.path("logs").get(0);
        assertThat(first.path("revision").asInt()).isEqualTo(2);
        assertThat(first.path("instance").asInt()).isZero();
        assertThat(first.path("pid").asLong()).isEqualTo(41);
        assertThat(first.path("file").asText()).isEqualTo("/s/logs/demo/demo-r2-0.log");
        assertThat(first.path("lines")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(n.path("logs").get(1).path("lines")).extracting(JsonNode::asText).containsExactly("c");

        JsonNode stopped = LogsCommand.structured("demo", "==> /s/logs/demo/demo-r3-0.log <==\nbye\n");
        assertThat(stopped.path("logs").get(0).has("pid")).isFalse();
        assertThat(stopped.path("logs").get(0).path("lines")).extracting(JsonNode::asText).containsExactly("bye");
    }

    @Test
    void aChecklistFromTheApiRendersAsTheLocalOneDoes() {
        var report = new ChecklistReport("demo", "v2", dev.deployguard.check.ChecklistVerdict.NOT_READY,
                List.of(dev.deployguard.check.CheckResult.fail("local.command", "/x does not exist", "fix it"),
                        dev.deployguard.check.CheckResult.pass("local.disk", "plenty")),
                java.time.Instant.parse("2026-12-07T05:00:00Z"), java.time.Duration.ofMillis(12));
        ChecklistReport back = CheckCommand.fromJson(ChecklistJson.toJson(report));
        assertThat(back).isEqualTo(report);
    }
}
