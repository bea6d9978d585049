package dev.deployguard.local.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code local.command}: the release's program exists and is executable, found the way execvp finds it — a name
 * without '/' through each directory of PATH, anything else relative to the app's working directory — so a typo or
 * a missing build fails the checklist instead of the first instance start.
 */
public final class LocalCommandCheck implements Check {
    private final String program;
    private final Path workingDir;
    private final String pathVariable;
    private final String field;

    /**
     * @param program      the command's first argument as written in the spec (may hold {@code ${version}})
     * @param workingDir   where relative paths start (the app's working directory; null: the current one)
     * @param pathVariable the PATH to search, as in the environment ({@code dir1:dir2})
     * @param field        the spec field to fix, for the remedy (e.g. {@code apps.web.platform.local.command[0]})
     */
    public LocalCommandCheck(String program, Path workingDir, String pathVariable, String field) {
        this.program = program;
        this.workingDir = workingDir;
        this.pathVariable = pathVariable == null ? "" : pathVariable;
        this.field = field;
    }

    @Override
    public String name() {
        return CheckNames.LOCAL_COMMAND;
    }

    @Override
    public CheckResult run(CheckContext context) {
        String resolved = program;
        if (program.contains("${version}")) {
            if (context.version() == null) {
                return CheckResult.error(name(), "the program '" + program + "' depends on the version, and none"
                        + " was given", "pass the version to check with --version V");
            }
            resolved = program.replace("${version}", context.version());
        }
        try {
            return resolved.contains("/") ? byPath(resolved) : onPath(resolved);
        } catch (InvalidPathException e) {
            return CheckResult.fail(name(), "'" + resolved + "' is not a valid file path: " + e.getReason(),
                    "fix " + field);
        }
    }

    private CheckResult byPath(String resolved) {
        Path p = Path.of(resolved);
        Path dir = workingDir == null ? Path.of("").toAbsolutePath() : workingDir;
        Path file = p.isAbsolute() ? p : dir.resolve(p).normalize();
        String where = p.isAbsolute() ? "" : " (relative to " + dir + ")";
        if (Files.isRegularFile(file) && Files.isExecutable(file)) {
            return CheckResult.pass(name(), file + " exists and is executable").withData(Map.of("path",
                    file.toString()));
        }
        if (!Files.exists(file)) {
            return CheckResult.fail(name(), file + " does not exist" + where,
                    "build or install the program there, or fix " + field);
        }
        if (Files.isDirectory(file)) {
            return CheckResult.fail(name(), file + " is a directory, not a program" + where, "fix " + field);
        }
        return CheckResult.fail(name(), file + " exists but is not executable" + where,
                "make it executable (chmod +x " + file + ") or fix " + field);
    }

    private CheckResult onPath(String resolved) {
        List<Path> notExecutable = new ArrayList<>();
        for (String dir : pathVariable.split(":", -1)) {
            Path file = Path.of(dir.isEmpty() ? "." : dir).resolve(resolved);
            if (Files.isRegularFile(file)) {
                if (Files.isExecutable(file)) {
                    return CheckResult.pass(name(), "'" + resolved + "' found on PATH at " + file
                            + ", executable").withData(Map.of("path", file.toString()));
                }
                notExecutable.add(file);
            }
        }
        if (!notExecutable.isEmpty()) {
            return CheckResult.fail(name(), "'" + resolved + "' is on PATH only as non-executable files: "
                    + notExecutable, "make it executable (chmod +x " + notExecutable.get(0) + ") or fix " + field);
        }
        return CheckResult.fail(name(), "'" + resolved + "' is not on PATH (" + pathVariable + ")",
                "install it, give its path (a name with '/' is taken relative to the working directory), or fix "
                        + field);
    }
}
