package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm standby's throw-away certificate is one the router's own TLS loading accepts, self-signed, short-lived. */
class ThrowAwayCertificateTest {
    @TempDir
    Path dir;

    @Test
    void theRouterLoadsThePairAndTheCertificateIsSelfSignedForADay() throws Exception {
        Instant now = Instant.parse("2026-12-07T20:00:00Z");
        ThrowAwayCertificate pair = ThrowAwayCertificate.generate(now);
        Path cert = Files.writeString(dir.resolve("c.pem"), pair.certificatePem());
        Path key = Files.writeString(dir.resolve("k.pem"), pair.keyPem());

        try (TlsFiles tls = TlsFiles.load(cert, key)) {
            assertThat(tls.subject()).isEqualTo("CN=" + ThrowAwayCertificate.SUBJECT);
            assertThat(tls.context().isServer()).isTrue();
        }
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pair.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        x509.verify(x509.getPublicKey()); // self-signed: throws if the signature does not verify
        assertThat(x509.getVersion()).isEqualTo(3);
        assertThat(x509.getIssuerX500Principal()).isEqualTo(x509.getSubjectX500Principal());
        x509.checkValidity(Date.from(now));
        assertThat(x509.getNotAfter().toInstant()).isEqualTo(now.plusSeconds(86_400));
        assertThat(ThrowAwayCertificate.generate(now).certificatePem()).as("a new key and serial each time")
                .isNotEqualTo(pair.certificatePem());
    }
}
