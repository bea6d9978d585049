package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Checks a classic keyless cosign signature offline, as {@code cosign verify --certificate-identity ...
 * --certificate-oidc-issuer ... --trusted-root}: the Rekor bundle's signed entry timestamp (SET) verifies with a log
 * key of the trusted root; its {@code hashedrekord} entry records this payload's hash, this signature and this
 * certificate; the certificate was valid at the logged time and chains to a Fulcio CA of the trusted root that was
 * valid then; the signature verifies with the certificate's key; the certificate names the required identity and
 * issuer. The payload's digest and repository are then judged as for a key.
 */
final class KeylessCheck {
    private KeylessCheck() {
    }

    /** The outcome: a refusal with its message, or (refusal null) who signed, for the acceptance message. */
    record Outcome(Refusal refusal, String message) {
    }

    static Outcome check(SignedLayer layer, byte[] signature, Trust.Keyless trust, String at) {
        String pem = layer.annotation(SignedLayer.CERTIFICATE_ANNOTATION);
        if (pem == null || pem.isBlank()) {
            return new Outcome(Refusal.KEYED, at + " was made with a key (no Fulcio certificate), but the policy is"
                    + " keyless (" + trust.policy().describe() + ")");
        }
        X509Certificate cert;
        SigningCertificate identity;
        try {
            List<X509Certificate> certs = Pem.certificates(pem);
            cert = certs.get(0);
            identity = SigningCertificate.of(cert);
        } catch (GeneralSecurityException | RuntimeException e) {
            return new Outcome(Refusal.BAD_ENCODING, at + " has a certificate that cannot be read: " + e.getMessage());
        }
        // The log entry first: it proves when the signature existed, which the certificate's validity is judged at.
        Object entry = logged(layer, signature, trust.root(), at, loggedPem -> {
            try {
                List<X509Certificate> logged = Pem.certificates(loggedPem);
                return !logged.isEmpty() && Arrays.equals(logged.get(0).getEncoded(), cert.getEncoded());
            } catch (GeneralSecurityException e) {
                return false;
            }
        });
        if (entry instanceof Outcome refused) {
            return refused;
        }
        Instant logged = (Instant) entry;
        if (logged.isBefore(identity.notBefore()) || logged.isAfter(identity.notAfter())) {
            return new Outcome(Refusal.UNTRUSTED_CERTIFICATE, at + ": the certificate was valid " + identity.notBefore()
                    + " to " + identity.notAfter() + ", but the signature was logged at " + logged);
        }
        String ca = chainsTo(cert, trust.root(), logged);
        if (ca == null) {
            return new Outcome(Refusal.UNTRUSTED_CERTIFICATE, at + ": the certificate of " + identity.describe()
                    + " does not chain to a certificate authority of the trusted root that was valid at " + logged);
        }
        if (KeySignatures.verify(cert.getPublicKey(), layer.payload(), signature) != KeySignatures.Result.VERIFIES) {
            return new Outcome(Refusal.BAD_SIGNATURE, at + " does not verify with its certificate's key");
        }
        boolean identityOk = identity.identities().stream().anyMatch(trust::identityMatches);
        if (!identityOk || !trust.issuerMatches(identity.issuer())) {
            return new Outcome(Refusal.WRONG_IDENTITY, at + " is signed by " + identity.describe() + ", not by the"
                    + " required " + trust.policy().describe());
        }
        return new Outcome(null, identity.describe() + " (Fulcio CA " + ca + ", logged at " + logged + ")");
    }

    /**
     * Verifies a classic signature's Rekor bundle against the trusted root: its signed entry timestamp with a log key
     * of the root (valid then), and that its {@code hashedrekord} entry records this payload's hash, this signature
     * and a signer {@code signerPem} accepts. Returns the logged time, or the refusal ({@link Outcome}).
     */
    static Object logged(SignedLayer layer, byte[] signature, TrustedRoot root, String at,
                         java.util.function.Predicate<String> signerPem) {
        String bundle = layer.annotation(SignedLayer.BUNDLE_ANNOTATION);
        if (bundle == null || bundle.isBlank()) {
            return new Outcome(Refusal.BAD_TLOG, at + " has no Rekor bundle: without the log's signed entry"
                    + " timestamp the signing cannot be proven offline");
        }
        try {
            JsonNode b = Json.mapper().readTree(bundle);
            JsonNode p = b.path("Payload");
            String logId = p.path("logID").asText("");
            TrustedRoot.Log log = root.log(logId);
            if (log == null) {
                return new Outcome(Refusal.BAD_TLOG, at + " was logged by " + logId + ", a log the trusted root does"
                        + " not list");
            }
            String canonical = "{\"body\":" + Json.mapper().writeValueAsString(p.path("body").asText(""))
                    + ",\"integratedTime\":" + p.path("integratedTime").asLong() + ",\"logID\":"
                    + Json.mapper().writeValueAsString(logId) + ",\"logIndex\":" + p.path("logIndex").asLong() + "}";
            byte[] set = SignatureEncoding.decode(b.path("SignedEntryTimestamp").asText(""));
            if (KeySignatures.verify(log.key(), canonical.getBytes(StandardCharsets.UTF_8), set)
                    != KeySignatures.Result.VERIFIES) {
                return new Outcome(Refusal.BAD_TLOG, at + ": the Rekor signed entry timestamp does not verify with"
                        + " the log key of the trusted root (entry " + p.path("logIndex").asLong() + " was changed)");
            }
            Instant logged = Instant.ofEpochSecond(p.path("integratedTime").asLong());
            if (!log.validAt(logged)) {
                return new Outcome(Refusal.BAD_TLOG, at + " was logged at " + logged + ", outside the period the"
                        + " trusted root gives the log key");
            }
            JsonNode entry = Json.mapper().readTree(Base64.getDecoder().decode(p.path("body").asText("")));
            JsonNode spec = entry.path("spec");
            String hash = spec.path("data").path("hash").path("value").asText("");
            if (!("sha256:" + hash).equals(Digests.sha256(layer.payload()))) {
                return new Outcome(Refusal.CHANGED_PAYLOAD, at + ": its payload was changed after signing (Rekor"
                        + " entry " + p.path("logIndex").asLong() + " recorded SHA-256 " + hash + ")");
            }
            byte[] loggedSig = Base64.getDecoder().decode(spec.path("signature").path("content").asText(""));
            String loggedSigner = new String(Base64.getDecoder().decode(spec.path("signature").path("publicKey")
                    .path("content").asText("")), StandardCharsets.US_ASCII);
            if (!Arrays.equals(loggedSig, signature) || !signerPem.test(loggedSigner)) {
                return new Outcome(Refusal.BAD_TLOG, at + ": the Rekor entry " + p.path("logIndex").asLong()
                        + " is for another signature or signer");
            }
            return logged;
        } catch (IOException | IllegalArgumentException e) {
            return new Outcome(Refusal.BAD_TLOG, at + " has a Rekor bundle that cannot be read: " + e.getMessage());
        }
    }

    /** The name of the CA the certificate chains to at {@code time}, or null. */
    static String chainsTo(X509Certificate cert, TrustedRoot root, Instant time) {
        for (TrustedRoot.Authority ca : root.authorities()) {
            if (!ca.validAt(time)) {
                continue;
            }
            List<X509Certificate> chain = ca.chain();
            X509Certificate anchor = chain.get(chain.size() - 1);
            List<X509Certificate> path = new ArrayList<>();
            path.add(cert);
            // The CA's own intermediates are what is trusted; a chain in the annotation is only a hint.
            path.addAll(chain.subList(0, chain.size() - 1));
            try {
                PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
                params.setRevocationEnabled(false);
                params.setDate(Date.from(time));
                CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                        .generateCertPath(path), params);
                return ca.name();
            } catch (GeneralSecurityException e) {
                // not this CA
            }
        }
        return null;
    }
}
