package dev.deployguard.local.router;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The router's TLS certificate, from a PEM certificate chain and a PEM PKCS#8 key, read again whenever either file
 * changes (checked every {@link #RELOAD_INTERVAL_MS} ms): new connections get the new certificate, established ones
 * keep theirs. A pair that does not load or does not match (a key swapped before its certificate) is reported and
 * the certificate in use is kept, so a half-done swap never fails a handshake. ALPN offers {@code h2} and
 * {@code http/1.1}.
 */
final class TlsFiles implements AutoCloseable {
    static final long RELOAD_INTERVAL_MS = Long.getLong(RouterLimits.PREFIX + "tlsReloadMs", 1_000);

    private final Path certFile;
    private final Path keyFile;
    private volatile Loaded current;
    private byte[] refusedCert;
    private byte[] refusedKey;
    private ScheduledExecutorService watcher;

    private record Loaded(byte[] cert, byte[] key, SslContext context, String subject) {
    }

    private TlsFiles(Path certFile, Path keyFile, Loaded first) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.current = first;
    }

    /**
     * Loads the pair once.
     *
     * @throws TlsException naming the file and what is wrong with it
     */
    static TlsFiles load(Path certFile, Path keyFile) throws TlsException {
        return new TlsFiles(certFile, keyFile, read(certFile, keyFile));
    }

    /** The context new connections use. */
    SslContext context() {
        return current.context();
    }

    /** The subject of the certificate in use. */
    String subject() {
        return current.subject();
    }

    /** Starts checking the files for changes. */
    void watch() {
        watcher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "router-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, RELOAD_INTERVAL_MS, RELOAD_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
    }

    /** Reads the files and switches to them if they changed and load; returns whether it switched. */
    boolean reloadIfChanged() {
        byte[] cert;
        byte[] key;
        try {
            cert = Files.readAllBytes(certFile);
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            // Mid-swap (renamed away, not yet back): the next check sees the new files.
            return false;
        }
        Loaded now = current;
        if (Arrays.equals(cert, now.cert()) && Arrays.equals(key, now.key())) {
            return false;
        }
        try {
            Loaded next = parse(cert, key);
            current = next;
            refusedCert = null;
            refusedKey = null;
            System.out.println("router: TLS certificate reloaded from " + certFile + " (" + next.subject() + ")");
            System.out.flush();
            return true;
        } catch (TlsException e) {
            if (!Arrays.equals(cert, refusedCert) || !Arrays.equals(key, refusedKey)) {
                refusedCert = cert;
                refusedKey = key;
                System.err.println("router: keeping the TLS certificate in use (" + now.subject() + "): "
                        + e.getMessage());
            }
            return false;
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    private static Loaded read(Path certFile, Path keyFile) throws TlsException {
        byte[] cert;
        byte[] key;
        try {
            cert = Files.readAllBytes(certFile);
        } catch (IOException e) {
            throw new TlsException("cannot read the TLS certificate " + certFile + ": " + e.getMessage());
        }
        try {
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            throw new TlsException("cannot read the TLS key " + keyFile + ": " + e.getMessage());
        }
        return parse(cert, key, certFile, keyFile);
    }

    private Loaded parse(byte[] cert, byte[] key) throws TlsException {
        return parse(cert, key, certFile, keyFile);
    }

    private static Loaded parse(byte[] certBytes, byte[] keyBytes, Path certFile, Path keyFile) throws TlsException {
        X509Certificate[] chain = certificates(certBytes, certFile);
        PrivateKey key = privateKey(keyBytes, keyFile);
        if (!matches(key, chain[0])) {
            throw new TlsException("the key " + keyFile + " does not belong to the certificate " + certFile
                    + " (" + chain[0].getSubjectX500Principal().getName() + ")");
        }
        try {
            SslContext context = SslContextBuilder.forServer(key, chain)
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
            return new Loaded(certBytes, keyBytes, context, chain[0].getSubjectX500Principal().getName());
        } catch (IOException | RuntimeException e) {
            throw new TlsException("cannot use the TLS certificate " + certFile + " with key " + keyFile + ": "
                    + e.getMessage());
        }
    }

    private static X509Certificate[] certificates(byte[] pem, Path file) throws TlsException {
        try {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream()
                    .map(c -> (X509Certificate) c).toList();
            if (chain.isEmpty()) {
                throw new TlsException("the TLS certificate file " + file + " holds no certificate"
                        + " (expected PEM: -----BEGIN CERTIFICATE-----)");
            }
            return chain.toArray(new X509Certificate[0]);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new TlsException("the TLS certificate file " + file + " is not a PEM certificate chain: "
                    + e.getMessage());
        }
    }

    private static PrivateKey privateKey(byte[] pem, Path file) throws TlsException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new TlsException("the TLS key " + file + " is encrypted; give the router an unencrypted PKCS#8"
                    + " key (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8) readable only by its user");
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            boolean traditional = text.contains("-----BEGIN RSA PRIVATE KEY-----")
                    || text.contains("-----BEGIN EC PRIVATE KEY-----");
            String hint = traditional
                    ? " (it is PKCS#1/SEC1; convert it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)" : "";
            throw new TlsException("the TLS key " + file + " holds no PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----)"
                    + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new TlsException("the TLS key " + file + " is not valid base64: " + e.getMessage());
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Try the next algorithm.
            }
        }
        throw new TlsException("the TLS key " + file + " is not an RSA, EC or EdDSA PKCS#8 key");
    }

    // Signs a probe with the key and checks it with the certificate: the one proof the pair belongs together.
    private static boolean matches(PrivateKey key, Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = "deployguard router TLS pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                verifier.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verifier.initVerify(cert);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The certificate or key cannot be used; the message names the file and the fix. */
    static final class TlsException extends Exception {
        TlsException(String message) {
            super(message);
        }
    }
}
