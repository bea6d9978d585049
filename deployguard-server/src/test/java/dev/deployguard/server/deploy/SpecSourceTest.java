package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.spec.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecSourceTest {
    @TempDir
    Path dir;

    private static String spec(int instances) {
        return """
                apps:
                  web:
                    platform:
                      local:
                        command: ["/bin/true", "${port}"]
                        listen: "127.0.0.1:1"
                        instances: %d
                """.formatted(instances);
    }

    private Path write(String text, Instant modified) throws Exception {
        Path file = dir.resolve("deployguard.yaml");
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    private static int instances(Spec s) {
        return s.app("web").orElseThrow().local().instances();
    }

    @Test
    void anOversizedFileIsRefusedBeforeItIsReadAndTheLastSpecIsNotParsedAgain() throws Exception {
        Path file = write("# " + "x".repeat((int) dev.deployguard.spec.SpecParser.MAX_BYTES) + "\n" + spec(2),
                Instant.now().minusSeconds(60));
        SpecSource specs = new SpecSource(file);
        assertThatThrownBy(specs::get).isInstanceOf(dev.deployguard.spec.SpecException.class)
                .hasMessageContaining("the spec is 1.0 MiB; the limit is 1 MiB");
        assertThatThrownBy(() -> new dev.deployguard.spec.SpecParser().parse(file))
                .hasMessageContaining("the limit is 1 MiB");
    }

    @Test
    void aBrokenFileIsParsedOnceAndItsRefusalRepeatedUntilItChanges() throws Exception {
        SpecSource specs = new SpecSource(write("apps: {web: {platform: {local: {comand: [x]}}}}\n",
                Instant.now().minusSeconds(60)));
        Throwable first = org.assertj.core.api.Assertions.catchThrowable(specs::get);
        assertThat(first).hasMessageContaining("unknown field 'comand'");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(specs::get)).as("the same refusal, not a re-parse")
                .isSameAs(first);
        write(spec(2), Instant.now().minusSeconds(30));
        assertThat(instances(specs.get())).isEqualTo(2);
    }

    @Test
    void anUnchangedFileIsParsedOnce() throws Exception {
        SpecSource specs = new SpecSource(write(spec(2), Instant.now().minusSeconds(60)));

        Spec first = specs.get();

        assertThat(specs.get()).isSameAs(first);
        assertThat(specs.app("web")).isSameAs(first.app("web").orElseThrow());
    }

    @Test
    void anEditAppliesToTheNextCallEvenWithTheSameSizeAndTimeStamp() throws Exception {
        Instant now = Instant.now();
        SpecSource specs = new SpecSource(write(spec(2), now));
        assertThat(instances(specs.get())).isEqualTo(2);

        // Same length, same (coarse) time stamp: only the content tells the two apart.
        write(spec(3), now);
        assertThat(instances(specs.get())).isEqualTo(3);

        write(spec(4) + "# longer now\n", now.minusSeconds(60));
        assertThat(instances(specs.get())).isEqualTo(4);
    }

    @Test
    void aBrokenFileStopsEveryCallUntilItIsFixed() throws Exception {
        SpecSource specs = new SpecSource(write(spec(2), Instant.now().minusSeconds(60)));
        specs.get();

        write(spec(2).replace("instances", "instanses"), Instant.now().minusSeconds(30));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(specs::get).isInstanceOfSatisfying(DeployGuardException.class,
                    e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT)).hasMessageContaining("instanses");
        }

        Files.delete(dir.resolve("deployguard.yaml"));
        assertThatThrownBy(specs::get).hasMessageContaining("file not found");

        write(spec(5), Instant.now());
        assertThat(instances(specs.get())).isEqualTo(5);
    }
}
