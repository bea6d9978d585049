package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A Sigstore {@code trusted_root.json} (media type {@code application/vnd.dev.sigstore.trustedroot+json}): the Fulcio
 * certificate authorities and the Rekor transparency logs' keys, each valid for a period. Read once per check.
 */
public record TrustedRoot(List<Authority> authorities, List<Log> logs) {
    public TrustedRoot {
        authorities = List.copyOf(authorities);
        logs = List.copyOf(logs);
    }

    /** A certificate authority: its chain (leaf-most first, root last) and when it issued. */
    public record Authority(String name, List<X509Certificate> chain, Instant start, Instant end) {
        public Authority {
            chain = List.copyOf(chain);
        }

        boolean validAt(Instant t) {
            return !t.isBefore(start) && (end == null || !t.isAfter(end));
        }
    }

    /** A transparency log: its ID (hex SHA-256 of its key), key, and when the key was in use. */
    public record Log(String logId, PublicKey key, Instant start, Instant end) {
        boolean validAt(Instant t) {
            return (start == null || !t.isBefore(start)) && (end == null || !t.isAfter(end));
        }
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with the file
     */
    public static TrustedRoot read(Path file) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the trusted root " + file + ": " + e.getMessage());
        }
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<Authority> cas = new ArrayList<>();
            for (JsonNode ca : root.path("certificateAuthorities")) {
                List<X509Certificate> chain = new ArrayList<>();
                for (JsonNode c : ca.path("certChain").path("certificates")) {
                    chain.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(
                            Base64.getDecoder().decode(c.path("rawBytes").asText("")))));
                }
                if (!chain.isEmpty()) {
                    cas.add(new Authority(ca.path("subject").path("commonName").asText("?"), chain,
                            time(ca.path("validFor").path("start"), Instant.EPOCH),
                            time(ca.path("validFor").path("end"), null)));
                }
            }
            List<Log> logs = new ArrayList<>();
            for (JsonNode t : root.path("tlogs")) {
                byte[] id = Base64.getDecoder().decode(t.path("logId").path("keyId").asText(""));
                PublicKey key = Pem.publicKey(Base64.getDecoder().decode(t.path("publicKey").path("rawBytes")
                        .asText("")));
                logs.add(new Log(HexFormat.of().formatHex(id), key,
                        time(t.path("publicKey").path("validFor").path("start"), null),
                        time(t.path("publicKey").path("validFor").path("end"), null)));
            }
            if (cas.isEmpty() || logs.isEmpty()) {
                throw new IllegalArgumentException(file + " has no certificateAuthorities or no tlogs; expected a"
                        + " Sigstore trusted_root.json");
            }
            return new TrustedRoot(cas, logs);
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(file.toString())) {
                throw iae;
            }
            throw new IllegalArgumentException("the trusted root " + file + " cannot be read: " + e.getMessage());
        }
    }

    private static Instant time(JsonNode n, Instant dflt) {
        return n.isTextual() ? Instant.parse(n.asText()) : dflt;
    }

    /** The log whose ID this is, or null. */
    Log log(String logId) {
        return logs.stream().filter(l -> l.logId().equalsIgnoreCase(logId)).findFirst().orElse(null);
    }
}
