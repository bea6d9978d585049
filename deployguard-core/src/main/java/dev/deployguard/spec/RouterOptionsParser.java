package dev.deployguard.spec;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The router's own options in {@code platform.local}: {@code tls} (all of listen, cert and key, or none) and
 * {@code accessLog}. Paths resolve against the spec file's directory, as every path in the spec does; whether the
 * files exist is checked when the router is started, since they may be put in place after the spec is written.
 */
final class RouterOptionsParser {
    private RouterOptionsParser() {
    }

    static LocalPlatformSpec.Tls tls(RawSpec.RawTls raw, LocalPlatformSpec.ListenAddress listen, String at,
                                     Path baseDir, List<String> problems) {
        if (raw == null) {
            return null;
        }
        List<String> missing = new ArrayList<>();
        if (raw.listen == null) {
            missing.add("listen");
        }
        if (raw.cert == null) {
            missing.add("cert");
        }
        if (raw.key == null) {
            missing.add("key");
        }
        if (!missing.isEmpty()) {
            problems.add(at + ": missing " + String.join(", ", missing) + "; TLS needs all of listen (HOST:PORT),"
                    + " cert (PEM certificate chain) and key (PEM PKCS#8 key), e.g. {listen: 127.0.0.1:8443,"
                    + " cert: tls/cert.pem, key: tls/key.pem}");
        }
        int before = problems.size();
        LocalPlatformSpec.ListenAddress tlsListen = raw.listen == null ? null
                : SpecParser.listen(raw.listen, at + ".listen", problems);
        if (tlsListen != null && tlsListen.equals(listen)) {
            problems.add(at + ".listen: " + tlsListen + " is also platform.local.listen; HTTPS needs an address of"
                    + " its own, e.g. port 8443 beside 8080");
        }
        Path cert = file(raw.cert, at + ".cert", baseDir, problems);
        Path key = file(raw.key, at + ".key", baseDir, problems);
        if (cert != null && cert.equals(key)) {
            problems.add(at + ".key: the same file as " + at + ".cert; the router reads the certificate chain and"
                    + " the private key from two files");
        }
        return problems.size() > before || !missing.isEmpty() ? null
                : new LocalPlatformSpec.Tls(tlsListen, cert, key);
    }

    /** A file path, resolved against the spec's directory; null when absent. */
    static Path file(String text, String at, Path baseDir, List<String> problems) {
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            problems.add(at + ": expected a file path, got an empty string");
            return null;
        }
        try {
            Path p = Path.of(text);
            return baseDir == null ? p : baseDir.resolve(p).normalize();
        } catch (InvalidPathException e) {
            problems.add(at + ": not a valid file path: " + e.getReason());
            return null;
        }
    }
}
