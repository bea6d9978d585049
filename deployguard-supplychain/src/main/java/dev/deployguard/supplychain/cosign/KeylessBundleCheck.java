package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks a keyless Sigstore bundle offline against a trusted root, as {@code cosign verify} does for cosign 3's
 * keyless bundles: a Rekor entry of the bundle whose signed entry timestamp verifies with a log key of the trusted
 * root and, when the bundle carries one, whose inclusion proof leads to the root hash of a checkpoint signed by that
 * log; the entry is for this signature and certificate; the certificate was valid at the logged time and chains to a
 * Fulcio CA of the trusted root valid then; the signature verifies with the certificate's key; the certificate names
 * the required identity and issuer. The content (subject digest) is then judged by {@link BundleJudge}.
 */
final class KeylessBundleCheck {
    private KeylessBundleCheck() {
    }

    /** A refusal, or (refusal null) who signed, for the acceptance message. */
    record Outcome(Refusal refusal, String message) {
    }

    static Outcome check(JsonNode bundleJson, SigstoreBundle b, byte[] manifest, Trust.Keyless trust, String at) {
        X509Certificate cert;
        SigningCertificate identity;
        try {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(b.certificate()));
            identity = SigningCertificate.of(cert);
        } catch (GeneralSecurityException e) {
            return new Outcome(Refusal.BAD_ENCODING, at + " has a certificate that cannot be read: " + e.getMessage());
        }
        JsonNode entries = bundleJson.path("verificationMaterial").path("tlogEntries");
        if (entries.isEmpty()) {
            return new Outcome(Refusal.BAD_TLOG, at + " has no transparency-log entry: the signing time cannot be"
                    + " proven offline");
        }
        JsonNode e = entries.get(0);
        String logId = HexFormat.of().formatHex(Base64.getDecoder().decode(e.path("logId").path("keyId").asText("")));
        TrustedRoot.Log log = trust.root().log(logId);
        if (log == null) {
            return new Outcome(Refusal.BAD_TLOG, at + " was logged by " + logId + ", a log the trusted root does not"
                    + " list");
        }
        String body = e.path("canonicalizedBody").asText("");
        long integrated = e.path("integratedTime").asLong();
        long logIndex = e.path("logIndex").asLong();
        String set = e.path("inclusionPromise").path("signedEntryTimestamp").asText("");
        if (set.isEmpty()) {
            return new Outcome(Refusal.BAD_TLOG, at + ": its Rekor entry has no signed entry timestamp (inclusion"
                    + " promise); DeployGuard needs it to prove the signing time offline");
        }
        String canonical = "{\"body\":\"" + body + "\",\"integratedTime\":" + integrated + ",\"logID\":\"" + logId
                + "\",\"logIndex\":" + logIndex + "}";
        if (KeySignatures.verify(log.key(), canonical.getBytes(StandardCharsets.UTF_8), Base64.getDecoder().decode(set))
                != KeySignatures.Result.VERIFIES) {
            return new Outcome(Refusal.BAD_TLOG, at + ": the Rekor signed entry timestamp of entry " + logIndex
                    + " does not verify with the log key of the trusted root");
        }
        Instant logged = Instant.ofEpochSecond(integrated);
        if (e.has("inclusionProof")) {
            String proof = inclusionProof(e.path("inclusionProof"), Base64.getDecoder().decode(body), log);
            if (proof != null) {
                return new Outcome(Refusal.BAD_TLOG, at + ": " + proof);
            }
        }
        if (logged.isBefore(identity.notBefore()) || logged.isAfter(identity.notAfter())) {
            return new Outcome(Refusal.UNTRUSTED_CERTIFICATE, at + ": the certificate was valid " + identity.notBefore()
                    + " to " + identity.notAfter() + ", but the signature was logged at " + logged);
        }
        String ca = KeylessCheck.chainsTo(cert, trust.root(), logged);
        if (ca == null) {
            return new Outcome(Refusal.UNTRUSTED_CERTIFICATE, at + ": the certificate of " + identity.describe()
                    + " does not chain to a certificate authority of the trusted root that was valid at " + logged);
        }
        String mismatch = entryMismatch(Base64.getDecoder().decode(body), b, manifest, cert);
        if (mismatch != null) {
            return new Outcome(Refusal.BAD_TLOG, at + ": Rekor entry " + logIndex + " " + mismatch);
        }
        KeySignatures.Result r = b.content() instanceof SigstoreBundle.Dsse d
                ? BundleJudge.verifyDsse(d, cert.getPublicKey())
                : KeySignatures.verify(cert.getPublicKey(), manifest,
                ((SigstoreBundle.MessageSignature) b.content()).signature());
        if (r != KeySignatures.Result.VERIFIES) {
            return new Outcome(Refusal.BAD_SIGNATURE, at + " does not verify with its certificate's key");
        }
        if (identity.identities().stream().noneMatch(trust::identityMatches)
                || !trust.issuerMatches(identity.issuer())) {
            return new Outcome(Refusal.WRONG_IDENTITY, at + " is signed by " + identity.describe() + ", not by the"
                    + " required " + trust.policy().describe());
        }
        return new Outcome(null, identity.describe() + " (Fulcio CA " + ca + ", logged at " + logged + ")");
    }

    /** Whether the entry records this signature, certificate and content; null when it does, else what differs. */
    private static String entryMismatch(byte[] body, SigstoreBundle b, byte[] manifest, X509Certificate cert) {
        try {
            JsonNode entry = Json.mapper().readTree(body);
            JsonNode spec = entry.path("spec");
            switch (entry.path("kind").asText()) {
                case "hashedrekord" -> {
                    if (!(b.content() instanceof SigstoreBundle.MessageSignature m)) {
                        return "is a hashedrekord, but the bundle holds a DSSE envelope";
                    }
                    if (!("sha256:" + spec.path("data").path("hash").path("value").asText()).equals(
                            Digests.sha256(manifest))) {
                        return "is for another artifact than this manifest";
                    }
                    if (!Arrays.equals(Base64.getDecoder().decode(spec.path("signature").path("content").asText("")),
                            m.signature()) || !sameCertificate(spec.path("signature").path("publicKey")
                            .path("content").asText(""), cert)) {
                        return "is for another signature or certificate";
                    }
                    return null;
                }
                case "dsse" -> {
                    if (!(b.content() instanceof SigstoreBundle.Dsse d)) {
                        return "is a dsse entry, but the bundle holds a message signature";
                    }
                    if (!("sha256:" + spec.path("payloadHash").path("value").asText()).equals(
                            Digests.sha256(d.payload()))) {
                        return "is for another DSSE payload: the statement was changed after signing";
                    }
                    JsonNode sigs = spec.path("signatures");
                    for (JsonNode s : sigs) {
                        byte[] logged = Base64.getDecoder().decode(s.path("signature").asText(""));
                        if (d.signatures().stream().anyMatch(x -> Arrays.equals(x, logged))
                                && sameCertificate(s.path("verifier").asText(""), cert)) {
                            return null;
                        }
                    }
                    return "is for another signature or certificate";
                }
                default -> {
                    return "is of kind " + entry.path("kind").asText() + ", which DeployGuard does not check yet";
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            return "cannot be read: " + e.getMessage();
        }
    }

    private static boolean sameCertificate(String base64Pem, X509Certificate cert) {
        try {
            List<X509Certificate> certs = Pem.certificates(new String(Base64.getDecoder().decode(base64Pem),
                    StandardCharsets.US_ASCII));
            return !certs.isEmpty() && Arrays.equals(certs.get(0).getEncoded(), cert.getEncoded());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Checks an RFC 6962/9162 inclusion proof of the entry and its checkpoint; null when both hold, else what is
     * wrong.
     */
    static String inclusionProof(JsonNode proof, byte[] body, TrustedRoot.Log log) {
        try {
            long index = proof.path("logIndex").asLong();
            long size = proof.path("treeSize").asLong();
            byte[] root = Base64.getDecoder().decode(proof.path("rootHash").asText(""));
            List<byte[]> path = new ArrayList<>();
            for (JsonNode h : proof.path("hashes")) {
                path.add(Base64.getDecoder().decode(h.asText()));
            }
            byte[] computed = rootFromPath(index, size, leafHash(body), path);
            if (computed == null || !Arrays.equals(computed, root)) {
                return "its inclusion proof does not lead to the root hash it gives (entry " + index + " of a tree of "
                        + size + ")";
            }
            String envelope = proof.path("checkpoint").path("envelope").asText("");
            if (envelope.isEmpty()) {
                return "its inclusion proof has no checkpoint signed by the log";
            }
            int split = envelope.indexOf("\n\n");
            if (split < 0) {
                return "its checkpoint is not a signed note";
            }
            String note = envelope.substring(0, split + 1);
            String[] lines = note.split("\n");
            if (lines.length < 3 || !lines[1].equals(Long.toString(size))
                    || !Arrays.equals(Base64.getDecoder().decode(lines[2]), root)) {
                return "its checkpoint is for another tree than the inclusion proof";
            }
            for (String line : envelope.substring(split + 2).split("\n")) {
                if (!line.startsWith("\u2014 ")) {
                    continue;
                }
                byte[] sig = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1));
                if (sig.length > 4 && KeySignatures.verify(log.key(), note.getBytes(StandardCharsets.UTF_8),
                        Arrays.copyOfRange(sig, 4, sig.length)) == KeySignatures.Result.VERIFIES) {
                    return null;
                }
            }
            return "its checkpoint is not signed by the log key of the trusted root";
        } catch (IllegalArgumentException e) {
            return "its inclusion proof cannot be read: " + e.getMessage();
        }
    }

    static byte[] leafHash(byte[] leaf) {
        return hash(new byte[] {0}, leaf);
    }

    /** RFC 9162 2.1.3.2: the root a leaf's audit path leads to, or null when the path does not fit the tree. */
    static byte[] rootFromPath(long index, long size, byte[] leafHash, List<byte[]> path) {
        if (index >= size || index < 0) {
            return null;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return null;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = hash(new byte[] {1}, p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = hash(new byte[] {1}, r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    private static byte[] hash(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
