package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README and docs/ link only to files of the repository, and every file they link to exists. */
class DocsLinksTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(REPO.resolve("README.md")));
        try (Stream<Path> docs = Files.list(REPO.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    @Test
    void everyRelativeLinkResolvesToAFileInsideTheRepository() throws IOException {
        assertThat(REPO.resolve("pom.xml")).as("run from the deployguard-cli module").exists();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages()) {
            Matcher m = LINK.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("#")) {
                    continue;
                }
                links++;
                if (target.matches("^[a-z]+:.*")) {
                    broken.add(REPO.relativize(page) + ": " + target + " leaves the repository");
                    continue;
                }
                Path file = page.getParent().resolve(target.replaceFirst("#.*", "")).normalize();
                if (!file.startsWith(REPO) || !Files.exists(file)) {
                    broken.add(REPO.relativize(page) + ": " + target + (file.startsWith(REPO) ? " does not exist"
                            : " is outside the repository"));
                }
            }
        }
        assertThat(links).as("links found").isGreaterThan(10);
        assertThat(broken).isEmpty();
    }

    @Test
    void noPageNamesAPathAboveTheRepository() throws IOException {
        for (Path page : pages()) {
            assertThat(Files.readString(page)).as(REPO.relativize(page).toString()).doesNotContain("../shared");
        }
    }
}
