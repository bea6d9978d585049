package dev.deployguard.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's rule: no main-source file over 400 lines without a one-line reason at its top
 * ({@code // Over 400 lines: ...}), so a file that grows past it is split or says why.
 */
class SourceSizeTest {
    static final int LIMIT = 400;

    @Test
    void everyMainSourceOverTheLimitSaysWhyOnItsFirstLine() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<Path> modules;
        try (Stream<Path> dirs = Files.list(root)) {
            modules = dirs.filter(d -> d.getFileName().toString().startsWith("deployguard-"))
                    .map(d -> d.resolve("src/main/java")).filter(Files::isDirectory).toList();
        }
        assertThat(modules).as("module sources under " + root).hasSizeGreaterThan(5);
        List<String> unexplained = new ArrayList<>();
        int checked = 0;
        for (Path m : modules) {
            try (Stream<Path> files = Files.walk(m)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    checked++;
                    if (lines.size() > LIMIT && !lines.get(0).startsWith("// Over 400 lines: ")) {
                        unexplained.add(root.relativize(f) + " (" + lines.size() + " lines)");
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(100);
        assertThat(unexplained).as("split these or give a one-line reason as their first line").isEmpty();
    }
}
