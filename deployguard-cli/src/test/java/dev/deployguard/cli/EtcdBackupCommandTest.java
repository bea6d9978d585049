package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code deployguard backup etcd}: each refused with exit 2 or 6 and a message naming what to fix,
 * before any etcd is contacted, and nothing written into the snapshot directory.
 */
class EtcdBackupCommandTest {
    @TempDir
    Path dir;

    @Test
    void badInputIsRefusedWithAMessageAndWritesNothing() throws Exception {
        Path snaps = dir.resolve("snaps");
        Path tiny = dir.resolve("tiny.db");
        Files.write(tiny, new byte[10]);
        Path live = dir.resolve("live");
        Files.createDirectories(live.resolve("member"));
        record Case(List<String> args, int exit, String message) {
        }
        List<Case> cases = List.of(
                new Case(List.of("save"), 2, "--endpoints"),
                new Case(List.of("save", "--endpoints", "http://127.0.0.1:1", "--keep", "0"), 2, "--keep"),
                new Case(List.of("save", "--endpoints", "http://127.0.0.1:1", "--every", "soon"), 2, "--every"),
                new Case(List.of("save", "--endpoints", "http://127.0.0.1:1", "--cert", "c.pem"), 2,
                        "--cert and --key go together"),
                new Case(List.of("status", tiny.toString()), 2, "too short"),
                new Case(List.of("verify", "etcd-nothing"), 6, "no etcd snapshot 'etcd-nothing'"),
                new Case(List.of("restore", tiny.toString(), "--data-dir", live.toString()), 2, "too short"));
        for (Case c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("backup", "etcd"));
            args.addAll(c.args());
            args.addAll(List.of("--dir", snaps.toString()));
            CommandTreeTest.Run r = CommandTreeTest.run(args.toArray(String[]::new));
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(c.exit());
            assertThat(r.err()).as(String.join(" ", args)).contains(c.message()).doesNotContain("\tat ");
        }
        assertThat(snaps).doesNotExist();
        assertThat(live.resolve("member")).isEmptyDirectory();
    }
}
