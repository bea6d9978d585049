package dev.deployguard.cli;

import dev.deployguard.check.ChecklistJson;
import dev.deployguard.check.ChecklistJunit;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.check.ChecklistTable;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.server.check.ChecklistFactory;
import dev.deployguard.server.deploy.SpecSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code deployguard check}: the pre-deployment checklist, run in this process — no control plane needed — so a CI
 * job can gate on it. The exit code is the verdict: 0 READY, 1 NOT READY, 2 bad spec or flags.
 */
@Command(name = "check", description = "Run an app's pre-deployment checklist here (no server needed);"
        + " exit 0 only when READY, 1 when not, 2 on a bad spec.")
final class CheckCommand implements Callable<Integer> {
    enum Format { table, json, junit }

    @ParentCommand
    DeployGuard root;

    @Parameters(index = "0", description = "The app, as named in deployguard.yaml")
    String app;
    @Option(names = "--version", description = "The version to check (fills ${version}); checks that need it say so")
    String version;
    @Option(names = {"-f", "--file"}, defaultValue = "deployguard.yaml",
            description = "The spec (default: ./deployguard.yaml)")
    Path file;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "Output format: ${COMPLETION-CANDIDATES}")
    Format format;
    @Option(names = "--junit-file", description = "Also write the report as JUnit XML to this file (for CI)")
    Path junitFile;

    @Override
    public Integer call() {
        var spec = new SpecSource(file).app(app);
        ChecklistReport report = new ChecklistFactory(root.stateDir(), System.getenv(), Clock.systemUTC())
                .run(spec, version);
        switch (format) {
            case json -> System.out.println(Output.pretty(ChecklistJson.toJson(report)));
            case junit -> System.out.print(ChecklistJunit.render(report));
            default -> System.out.print(ChecklistTable.render(report));
        }
        if (junitFile != null) {
            try {
                Path parent = junitFile.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(junitFile, ChecklistJunit.render(report));
            } catch (IOException e) {
                throw new DeployGuardException(ExitCode.FAILURE, "cannot write the JUnit report to " + junitFile
                        + ": " + e.getMessage(), e);
            }
        }
        return report.ready() ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }
}
