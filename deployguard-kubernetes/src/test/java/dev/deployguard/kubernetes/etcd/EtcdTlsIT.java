package dev.deployguard.kubernetes.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An etcd that requires client certificates, as kubeadm runs it: certificates made here with the openssl binary
 * (the client key in PKCS#1 RSA form, as kubeadm writes it); a snapshot over TLS is saved and verified, and a
 * client without a certificate is refused by etcd.
 */
class EtcdTlsIT {
    @TempDir
    Path dir;

    void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    @SuppressWarnings("try") // a resource held open for the block's duration (or closed on purpose inside it)
    void aSnapshotOverClientTlsIsSavedAndVerifiedAndNoCertificateIsRefused() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=etcd-ca");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,"
                + "clientAuth\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                "/CN=etcd");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
        openssl("genrsa", "-traditional", "-out", "client.key", "2048");
        assertThat(Files.readString(dir.resolve("client.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl("req", "-new", "-key", "client.key", "-out", "client.csr", "-subj", "/CN=deployguard");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "client.crt", "-days", "2", "-extfile", "client.ext");

        int[] ports = ScratchMember.freePorts();
        int[] more = ScratchMember.freePorts();
        String https = "https://127.0.0.1:" + more[0];
        try (ScratchMember source = ScratchMember.start(dir.resolve("data"), List.of("http://127.0.0.1:" + ports[0],
                https), ports[1], Duration.ofSeconds(60), List.of("--cert-file", dir.resolve("server.crt").toString(),
                "--key-file", dir.resolve("server.key").toString(), "--client-cert-auth", "--trusted-ca-file",
                dir.resolve("ca.crt").toString()))) {
            EtcdTls tls = EtcdTls.of(dir.resolve("ca.crt"), dir.resolve("client.crt"), dir.resolve("client.key"));
            try (Client client = EtcdSnapshots.connect(List.of(https), tls)) {
                client.getKVClient().put(ByteSequence.from("/registry/a", StandardCharsets.UTF_8),
                        ByteSequence.from("1", StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
                SnapshotRecord r = new EtcdSnapshots(dir.resolve("snaps"), Clock.systemUTC()).save(client, https, true);
                assertThat(r.status()).as(String.valueOf(r.verification())).isEqualTo("COMPLETED");
                assertThat(r.verification().keys()).isEqualTo(1);
            }
            EtcdTls caOnly = EtcdTls.of(dir.resolve("ca.crt"), null, null);
            try (Client anonymous = EtcdSnapshots.connect(List.of(https), caOnly)) {
                assertThatThrownBy(() -> new EtcdSnapshots(dir.resolve("anon"), Clock.systemUTC())
                        .save(anonymous, https, false)).isInstanceOf(DeployGuardException.class)
                        .hasMessageContaining("cannot read the status of " + https);
            }
        }
        assertThatThrownBy(() -> EtcdTls.of(dir.resolve("ca.crt"), dir.resolve("client.crt"), null))
                .hasMessageContaining("--cert and --key go together");
        assertThatThrownBy(() -> EtcdTls.privateKey(dir.resolve("client.crt"))).hasMessageContaining("holds no")
                .hasMessageNotContaining("BEGIN CERTIFICATE-----\n");
    }
}
