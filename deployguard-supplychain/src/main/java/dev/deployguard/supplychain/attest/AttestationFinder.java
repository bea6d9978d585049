package dev.deployguard.supplychain.attest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.BundleJudge;
import dev.deployguard.supplychain.cosign.CosignVerifier;
import dev.deployguard.supplychain.cosign.SignatureEncoding;
import dev.deployguard.supplychain.cosign.SigstoreBundle;
import dev.deployguard.supplychain.cosign.Trust;
import dev.deployguard.supplychain.cosign.Verification;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the attestations attached to an image digest in both layouts cosign writes and verifies each with the image's
 * signature policy (the same judge as signatures, {@link BundleJudge}): the classic layout — tag
 * {@code sha256-<hex>.att}, whose layers ({@code application/vnd.dsse.envelope.v1+json}, annotation
 * {@code predicateType}) are DSSE envelopes of in-toto statements (sigstore/cosign {@code cmd/cosign/cli/attest/attest.go},
 * {@code pkg/oci/static}) — and cosign 3's Sigstore bundles among the referrers. An attestation counts only when its
 * envelope verifies and its statement's subject is the digest; its predicate type is read from the signed statement,
 * never from the unsigned layer annotation. Registries are tried in order; the first that answers decides.
 */
public final class AttestationFinder {
    /** The media type of a classic attestation layer. */
    public static final String DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
    private final RegistryClient client;

    public AttestationFinder(RegistryClient client) {
        this.client = client;
    }

    /** A verified attestation: where it is, its predicate and who signed it (the judge's sentence). */
    public record Attested(String where, String predicateType, JsonNode predicate, String signer) {
    }

    /** An attestation that did not verify, with the predicate type it claims (unsigned, for messages only). */
    public record Rejected(String where, String claimedPredicateType, Refusal refusal, String message) {
    }

    /** What was found on the registry that answered. */
    public record Found(List<Attested> attested, List<Rejected> rejected, String lookedAt, String host) {
        public Found {
            attested = List.copyOf(attested);
            rejected = List.copyOf(rejected);
        }
    }

    /** The tag of the classic attestation layout for a digest. */
    public static String attestationTag(String digest) {
        return digest.replace(':', '-') + ".att";
    }

    /** @throws RegistryException (UNREACHABLE) when no registry answered */
    public Found find(ImageSpec image, String digest, Trust trust, List<String> hosts) throws RegistryException {
        List<String> unreachable = new ArrayList<>();
        for (String host : hosts) {
            try {
                return findOn(host, image, digest, trust);
            } catch (RegistryException e) {
                if (e.kind() != RegistryException.Kind.UNREACHABLE) {
                    throw e;
                }
                unreachable.add(e.getMessage());
            }
        }
        throw new RegistryException(RegistryException.Kind.UNREACHABLE, null, "cannot read the attestations of "
                + digest + ": no registry answered (" + String.join("; ", unreachable) + ")");
    }

    private record Candidate(BundleJudge.Found found, boolean classic) {
    }

    private Found findOn(String host, ImageSpec image, String digest, Trust trust) throws RegistryException {
        List<Candidate> candidates = new ArrayList<>();
        String attTag = host + "/" + image.path() + ":" + attestationTag(digest);
        try {
            Manifest att = client.manifest(host, image.path(), attestationTag(digest));
            int i = 0;
            for (JsonNode layer : RegistryClient.layers(att)) {
                String where = "layer " + i++ + " of " + attTag;
                if (!DSSE_MEDIA_TYPE.equals(layer.path("mediaType").asText(""))) {
                    continue;
                }
                byte[] envelope = client.blob(host, image.path(), layer.path("digest").asText(""));
                candidates.add(new Candidate(classic(where, envelope), true));
            }
        } catch (RegistryException e) {
            if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                throw e;
            }
        }
        CosignVerifier.Attached bundles = new CosignVerifier(client).attachedBundles(host, image, digest);
        bundles.bundles().forEach(b -> candidates.add(new Candidate(b, false)));
        byte[] manifest = trust instanceof Trust.Keyless ? client.manifest(host, image.path(), digest).bytes()
                : new byte[0];
        List<Attested> attested = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        for (Candidate c : candidates) {
            SigstoreBundle b = c.found().bundle();
            String claimed = b == null ? null : claimedType(b);
            if (b != null && !(b.content() instanceof SigstoreBundle.Dsse)) {
                continue; // a message signature signs the manifest: a signature, not an attestation
            }
            if (c.classic() && trust instanceof Trust.Keyless) {
                rejected.add(new Rejected(c.found().where(), claimed, Refusal.BAD_TLOG, "the attestation "
                        + c.found().where() + " is in the classic layout, whose keyless Rekor entries (intoto) are"
                        + " not verified; attach attestations as Sigstore bundles (cosign 3's default)"));
                continue;
            }
            Verification v = BundleJudge.judge(List.of(c.found()), digest, () -> manifest, trust, host);
            String message = c.classic() ? v.message().replace("the Sigstore bundle " + c.found().where(),
                    "the attestation " + c.found().where()) : v.message();
            if (!v.verified()) {
                rejected.add(new Rejected(c.found().where(), claimed, v.refusal(), message));
                continue;
            }
            JsonNode statement = statement(b);
            attested.add(new Attested(c.found().where(), statement.path("predicateType").asText(""),
                    statement.path("predicate"), message));
        }
        String lookedAt = attTag + " and the referrers (" + bundles.source() + ")";
        return new Found(attested, rejected, lookedAt, host);
    }

    /** A classic layer's DSSE envelope as a bundle without verification material (a key policy's input). */
    private static BundleJudge.Found classic(String where, byte[] envelope) {
        try {
            JsonNode e = Json.mapper().readTree(envelope);
            List<byte[]> sigs = new ArrayList<>();
            for (JsonNode s : e.path("signatures")) {
                sigs.add(SignatureEncoding.decode(s.path("sig").asText("")));
            }
            if (sigs.isEmpty() || !e.path("payload").isTextual()) {
                return new BundleJudge.Found(where, null, "the DSSE envelope has no payload or no signature");
            }
            var dsse = new SigstoreBundle.Dsse(e.path("payloadType").asText(""),
                    SignatureEncoding.decode(e.path("payload").asText()), sigs);
            return new BundleJudge.Found(where, new SigstoreBundle(DSSE_MEDIA_TYPE, dsse, null, null, 0, e), null);
        } catch (IOException | IllegalArgumentException | NullPointerException ex) {
            return new BundleJudge.Found(where, null, "not a DSSE envelope: " + ex.getMessage());
        }
    }

    private static String claimedType(SigstoreBundle b) {
        return b.content() instanceof SigstoreBundle.Dsse ? statement(b).path("predicateType").asText(null) : null;
    }

    private static JsonNode statement(SigstoreBundle b) {
        try {
            JsonNode s = Json.mapper().readTree(((SigstoreBundle.Dsse) b.content()).payload());
            return s == null ? Json.mapper().createObjectNode() : s;
        } catch (IOException e) {
            return Json.mapper().createObjectNode();
        }
    }
}
