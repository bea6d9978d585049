package dev.deployguard.kubernetes.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of a real etcd (Debian's etcd-server, started here on free loopback ports): saved through jetcd, the
 * trailer checked, verified by a restore into a second member, restored and read back; damaged files refused.
 * etcd missing from PATH fails the test (CI installs it).
 */
class EtcdSnapshotIT {
    @TempDir
    static Path work;
    static ScratchMember source;
    static Client client;

    @BeforeAll
    static void startSource() throws Exception {
        int[] ports = ScratchMember.freePorts();
        source = ScratchMember.start(work.resolve("source"), ports[0], ports[1], Duration.ofSeconds(60));
        client = EtcdSnapshots.connect(List.of(source.clientUrl()));
        for (int i = 0; i < 300; i++) {
            put("/registry/pods/default/pod-" + i, "{\"spec\":" + i + "}");
        }
        for (int i = 0; i < 50; i++) {
            client.getKVClient().delete(bytes("/registry/pods/default/pod-" + i)).get();
        }
        put("/registry/configmaps/default/cfg", "v1");
        put("/registry/configmaps/default/cfg", "v2");
    }

    @AfterAll
    static void stopSource() {
        if (client != null) {
            client.close();
        }
        if (source != null) {
            source.close();
        }
    }

    static void put(String k, String v) throws Exception {
        client.getKVClient().put(bytes(k), bytes(v)).get();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    EtcdSnapshots snapshots(String name) {
        return new EtcdSnapshots(work.resolve(name), Clock.systemUTC());
    }

    @Test
    void aSavedSnapshotIsVerifiedAgainstTheSourceAndRestoresTheSameKeys() throws Exception {
        EtcdSnapshots s = snapshots("roundtrip");
        SnapshotRecord r = s.save(client, source.clientUrl(), true);

        assertThat(r.status()).as(String.valueOf(r.verification())).isEqualTo("COMPLETED");
        assertThat(r.verification().keys()).isEqualTo(251);
        assertThat(r.verification().sourceKeys()).isEqualTo(251);
        assertThat(r.verification().hashKv()).isEqualTo(r.verification().sourceHashKv());
        assertThat(r.verification().comparedWith()).isEqualTo("source");
        Path file = s.dir().resolve(r.file());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(SnapshotFile.check(file).sha256()).isEqualTo(r.sha256());

        // Restore for real into a new directory and read the data back from a member started on it.
        int[] ports = ScratchMember.freePorts();
        Path data = s.restore(file, work.resolve("restored-data"), ScratchMember.NAME,
                ScratchMember.peerUrl(ports[1]), 0);
        try (ScratchMember m = ScratchMember.start(data, ports[0], ports[1], Duration.ofSeconds(60));
             Client restored = EtcdSnapshots.connect(List.of(m.clientUrl()))) {
            var cfg = restored.getKVClient().get(bytes("/registry/configmaps/default/cfg")).get();
            assertThat(cfg.getKvs()).singleElement().satisfies(kv ->
                    assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("v2"));
            var pods = restored.getKVClient().get(bytes("/registry/pods/"), GetOption.builder()
                    .isPrefix(true).withCountOnly(true).build()).get();
            assertThat(pods.getCount()).isEqualTo(250);
            assertThat(pods.getHeader().getRevision()).isEqualTo(r.verification().revision());
        }

        // Verified again later without the source: compared with the numbers of the first verification.
        SnapshotRecord again = s.verify(s.get(r.id()), null, null);
        assertThat(again.status()).isEqualTo("COMPLETED");
        assertThat(again.verification().comparedWith()).isEqualTo("record");
        assertThat(s.list()).extracting(SnapshotRecord::id).containsExactly(r.id());
    }

    @Test
    void aFlippedByteIsRefusedByTheTrailerAndTheSnapshotIsRecordedFailed() throws Exception {
        EtcdSnapshots s = snapshots("flipped");
        SnapshotRecord r = s.save(client, source.clientUrl(), false);
        Path file = s.dir().resolve(r.file());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x01);
        }
        assertThatThrownBy(() -> SnapshotFile.check(file)).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("is damaged").hasMessageContaining("differs from its trailer");
        SnapshotRecord v = s.verify(r, client, source.clientUrl());
        assertThat(v.status()).isEqualTo("FAILED");
        assertThat(v.verification().detail()).contains("is damaged");
        Path target = work.resolve("never-written");
        assertThatThrownBy(() -> s.restore(file, target, "m", "http://127.0.0.1:1", 0))
                .hasMessageContaining("is damaged");
        assertThat(target).doesNotExist();
    }

    @Test
    void aCutTrailerAndATooShortFileAreNamed() throws Exception {
        EtcdSnapshots s = snapshots("cut");
        SnapshotRecord r = s.save(client, source.clientUrl(), false);
        Path file = s.dir().resolve(r.file());
        Path cut = work.resolve("cut.db");
        byte[] all = Files.readAllBytes(file);
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 10));
        assertThatThrownBy(() -> SnapshotFile.check(cut)).hasMessageContaining("cut or padded")
                .hasMessageContaining("10 missing");
        Path tiny = work.resolve("tiny.db");
        Files.write(tiny, new byte[100]);
        assertThatThrownBy(() -> SnapshotFile.check(tiny)).hasMessageContaining("too short");
        assertThatThrownBy(() -> SnapshotFile.check(work.resolve("absent.db")))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND));
    }

    @Test
    void aRestoreNeverWritesIntoADirectoryThatHoldsData() throws Exception {
        EtcdSnapshots s = snapshots("live");
        SnapshotRecord r = s.save(client, source.clientUrl(), false);
        Path live = work.resolve("live-member");
        Files.createDirectories(live.resolve("member"));
        Files.writeString(live.resolve("member/marker"), "live");
        assertThatThrownBy(() -> s.restore(s.dir().resolve(r.file()), live, "m", "http://127.0.0.1:1", 0))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY))
                .hasMessageContaining("not empty");
        assertThat(Files.readString(live.resolve("member/marker"))).isEqualTo("live");
    }

    @Test
    void bumpingRevisionsNeedsEtcdutlAndSaysSo() throws Exception {
        EtcdTools tools = EtcdTools.onPath();
        EtcdSnapshots s = snapshots("bump");
        SnapshotRecord r = s.save(client, source.clientUrl(), false);
        Path target = work.resolve("bumped");
        if (tools.canBumpRevision()) {
            int[] ports = ScratchMember.freePorts();
            s.restore(s.dir().resolve(r.file()), target, ScratchMember.NAME, ScratchMember.peerUrl(ports[1]),
                    1_000_000);
            try (ScratchMember m = ScratchMember.start(target, ports[0], ports[1], Duration.ofSeconds(60));
                 Client restored = EtcdSnapshots.connect(List.of(m.clientUrl()))) {
                long rev = restored.getKVClient().get(bytes("x")).get().getHeader().getRevision();
                assertThat(rev).isGreaterThan(1_000_000);
            }
        } else {
            assertThatThrownBy(() -> s.restore(s.dir().resolve(r.file()), target, "m", "http://127.0.0.1:1",
                    1_000_000)).hasMessageContaining("needs etcdutl");
            assertThat(target).doesNotExist();
        }
    }

    @Test
    void pruningKeepsTheNewestAndNeverTheLastCompletedOne() throws Exception {
        Path dir = work.resolve("prune");
        Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
        String good = null;
        for (int i = 0; i < 4; i++) {
            var s = new EtcdSnapshots(dir, Clock.fixed(t0.plus(Duration.ofHours(i)), ZoneOffset.UTC));
            SnapshotRecord r = s.save(client, source.clientUrl(), i == 0);
            if (i == 0) {
                good = r.id();
                assertThat(r.status()).isEqualTo("COMPLETED");
            }
        }
        var s = new EtcdSnapshots(dir, Clock.fixed(t0.plus(Duration.ofDays(10)), ZoneOffset.UTC));
        List<String> deleted = s.prune(2, Duration.ofDays(1));
        assertThat(deleted).hasSize(1);
        assertThat(s.list()).hasSize(3).extracting(SnapshotRecord::id).contains(good);
        assertThat(s.list().get(0).takenAt()).isEqualTo(t0.plus(Duration.ofHours(3)));
    }
}
