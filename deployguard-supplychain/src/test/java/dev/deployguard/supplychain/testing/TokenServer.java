package dev.deployguard.supplychain.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Test support: the token service of the distribution token flow, on 127.0.0.1, for a {@link DockerRegistry} started
 * with token auth. It checks the Basic credentials of each token request against one user and issues an ES256 JWT
 * (with its certificate in {@code x5c}) granting pull and push on the scope asked. The key and self-signed
 * certificate are made by the JDK's keytool. It records every token request's user (never a password).
 */
public final class TokenServer implements AutoCloseable {
    public static final String SERVICE = "deployguard-registry";
    public static final String ISSUER = "deployguard-test-token";
    private final HttpServer server;
    private final PrivateKey key;
    private final X509Certificate cert;
    private final Path certPem;
    private final String user;
    private final String password;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    public TokenServer(Path dir, String user, String password) throws Exception {
        this.user = user;
        this.password = password;
        Path store = dir.resolve("token.p12");
        certPem = dir.resolve("token.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "token", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg",
                "SHA256withECDSA", "-dname", "CN=" + ISSUER, "-validity", "2", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "token", "-keystore", store.toString(), "-storepass",
                "changeit", "-file", certPem.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        key = (PrivateKey) ks.getKey("token", "changeit".toCharArray());
        cert = (X509Certificate) ks.getCertificate("token");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.start();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public Path certificate() {
        return certPem;
    }

    /** The users of the token requests so far ("anonymous" when none was given, "refused:USER" when wrong). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void token(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String given = null;
            if (auth != null && auth.startsWith("Basic ")) {
                given = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
            }
            if (given == null || !given.equals(user + ":" + password)) {
                String who = given == null ? "anonymous" : "refused:" + given.substring(0, Math.max(0,
                        given.indexOf(':')));
                requests.add(who);
                ex.sendResponseHeaders(401, -1);
                return;
            }
            requests.add(user);
            String scope = "";
            String query = ex.getRequestURI().getRawQuery();
            for (String kv : query == null ? new String[0] : query.split("&")) {
                if (kv.startsWith("scope=")) {
                    scope = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
                }
            }
            byte[] body = ("{\"token\":\"" + jwt(scope) + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private String jwt(String scope) throws Exception {
        String access = "[]";
        String[] parts = scope.split(":");
        if (parts.length == 3) {
            access = "[{\"type\":\"" + parts[0] + "\",\"name\":\"" + parts[1] + "\",\"actions\":[\"pull\",\"push\"]}]";
        }
        long now = Instant.now().getEpochSecond();
        String header = "{\"typ\":\"JWT\",\"alg\":\"ES256\",\"x5c\":[\"" + Base64.getEncoder().encodeToString(
                cert.getEncoded()) + "\"]}";
        String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + user + "\",\"aud\":\"" + SERVICE + "\",\"exp\":"
                + (now + 300) + ",\"nbf\":" + (now - 30) + ",\"iat\":" + now + ",\"jti\":\"" + UUID.randomUUID()
                + "\",\"access\":" + access + "}";
        String signingInput = b64url(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64url(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64url(rawSignature(s.sign()));
    }

    /** JWS wants ECDSA signatures as r||s (32 bytes each), the JDK gives DER. */
    private static byte[] rawSignature(byte[] der) {
        int offset = der[1] == (byte) 0x81 ? 3 : 2;
        int rLen = der[offset + 1];
        int rStart = offset + 2;
        int sLen = der[rStart + rLen + 1];
        int sStart = rStart + rLen + 2;
        byte[] out = new byte[64];
        copyRight(der, rStart, rLen, out, 0);
        copyRight(der, sStart, sLen, out, 32);
        return out;
    }

    private static void copyRight(byte[] src, int start, int len, byte[] dst, int dstStart) {
        int skip = Math.max(0, len - 32);
        int n = len - skip;
        System.arraycopy(src, start + skip, dst, dstStart + 32 - n, n);
    }

    private static String b64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
