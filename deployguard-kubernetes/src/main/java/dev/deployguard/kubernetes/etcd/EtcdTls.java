package dev.deployguard.kubernetes.etcd;

import dev.deployguard.error.DeployGuardException;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client TLS for etcd, as {@code etcdctl --cacert --cert --key} takes it: PEM files of the CA, the client
 * certificate and its key. Keys in PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY},
 * what kubeadm writes for etcd's clients) are read; the files' contents never reach a message.
 */
public record EtcdTls(Path caCert, Path cert, Path key) {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----",
            Pattern.DOTALL);
    /** The DER of AlgorithmIdentifier { rsaEncryption, NULL }. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    /** None of the three: plain HTTP. All three, or only the CA (server TLS without a client certificate). */
    public static EtcdTls of(Path caCert, Path cert, Path key) {
        if (caCert == null && cert == null && key == null) {
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw DeployGuardException.badInput("--cert and --key go together (the client certificate and its key)");
        }
        if (caCert == null) {
            throw DeployGuardException.badInput("--cacert: give the CA that signed etcd's server certificate"
                    + " (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)");
        }
        return new EtcdTls(caCert, cert, key);
    }

    void configure(SslContextBuilder b) {
        b.trustManager(certificates(caCert, "--cacert").toArray(X509Certificate[]::new));
        if (cert != null) {
            b.keyManager(privateKey(key), certificates(cert, "--cert").toArray(X509Certificate[]::new));
        }
    }

    static List<X509Certificate> certificates(Path file, String option) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (out.isEmpty()) {
                throw DeployGuardException.badInput(option + " " + file + " holds no PEM certificate");
            }
            return out;
        } catch (IOException e) {
            throw DeployGuardException.badInput(option + ": cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw DeployGuardException.badInput(option + " " + file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw DeployGuardException.badInput("--key: cannot read " + file + ": " + e.getMessage());
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
            byte[] pkcs8 = switch (type) {
                case "PRIVATE KEY" -> der;
                case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, der);
                default -> null;
            };
            if (pkcs8 == null) {
                continue;
            }
            for (String alg : List.of("RSA", "EC", "Ed25519")) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException e) {
                    // Try the next algorithm.
                }
            }
        }
        throw DeployGuardException.badInput("--key " + file + " holds no unencrypted PKCS#8 or PKCS#1 RSA private"
                + " key (PEM 'BEGIN PRIVATE KEY' or 'BEGIN RSA PRIVATE KEY')");
    }

    /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key } around a PKCS#1 key. */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.write(0x04);
        body.writeBytes(length(key.length));
        body.writeBytes(key);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(length(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] length(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x100) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        if (n < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        }
        return new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }
}
