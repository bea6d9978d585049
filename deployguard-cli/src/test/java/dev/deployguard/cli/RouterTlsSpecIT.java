package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.process.Ports;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code platform.local.tls} and {@code platform.local.accessLog} end to end: the control plane starts the app's
 * router with HTTPS from PEM files beside the spec and an access log, restarting a router that runs without them;
 * a missing key is refused with its spec path and leaves the running router serving. Certificates come from a test
 * CA made with {@code openssl}, as in RouterHttp2TlsIT.
 */
class RouterTlsSpecIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void deployServesHttpsAndWritesTheAccessLogTheSpecAsksFor() throws Exception {
        h = new Harness(dir, "", 1);
        Path pki = Files.createDirectories(dir.resolve("pki"));
        openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=deployguard test CA");
        Files.writeString(pki.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl(pki, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "leaf.key", "-out", "leaf.csr", "-subj", "/CN=demo router");
        openssl(pki, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7",
                "-days", "2", "-extfile", "san.cnf", "-out", "leaf.pem");
        Files.createDirectories(dir.resolve("tls"));
        Files.copy(pki.resolve("leaf.pem"), dir.resolve("tls/router.pem"));
        Files.copy(pki.resolve("leaf.key"), dir.resolve("tls/router.key"));

        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        assertThat(h.get()).isEqualTo("hello from demo v1");

        // Given a spec asking for HTTPS with a key that is not there: refused, naming the field and the file,
        // and the router already running keeps serving.
        int tlsPort = Ports.freeLoopbackPort();
        h.addLocalSetting("tls: {listen: \"127.0.0.1:" + tlsPort + "\", cert: tls/router.pem, key: tls/absent.key}");
        h.addLocalSetting("accessLog: logs/access.log");
        Harness.Run refused = h.cli("deploy", "demo", "--version", "v2");
        assertThat(refused.exit()).as(refused.err()).isEqualTo(2);
        assertThat(refused.err()).contains("apps.demo.platform.local.tls",
                dir.resolve("tls/absent.key").toString());
        assertThat(h.get()).isEqualTo("hello from demo v1");

        // When the key is named right: the router is restarted with HTTPS and its access log.
        Files.writeString(h.spec, Files.readString(h.spec).replace("tls/absent.key", "tls/router.key"));
        h.ok("deploy", "demo", "--version", "v2");
        assertThat(h.get()).isEqualTo("hello from demo v2");

        HttpClient https = HttpClient.newBuilder().sslContext(trusting(pki.resolve("ca.pem")))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> answer = https.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + tlsPort + "/?via=tls"))
                .header("User-Agent", "router-tls-spec-it").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body().strip()).isEqualTo("hello from demo v2");
        assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2);

        Path log = dir.resolve("logs/access.log");
        Harness.await(Duration.ofSeconds(10), () -> Files.exists(log) && Harness.read(log).contains("/?via=tls"));
        String line = Harness.read(log).lines().filter(l -> l.contains("/?via=tls")).findFirst().orElseThrow();
        assertThat(line).startsWith("127.0.0.1 - - [").contains("\"GET /?via=tls HTTP/2.0\" 200 ",
                "\"router-tls-spec-it\"", " track=");

        JsonNode events = h.ok("events", "demo", "-o", "json").json().path("events");
        assertThat(events).anySatisfy(e -> assertThat(e.path("message").asText())
                .contains("router settings changed from no HTTPS, no access log to HTTPS on 127.0.0.1:" + tlsPort));
        assertThat(events).anySatisfy(e -> assertThat(e.path("kind").asText()).isEqualTo("operation.refused"));
    }

    private static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static void openssl(Path pki, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", command, out).isZero();
    }
}
