package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the cosign signatures of an image digest where cosign keeps them — the classic layout (tag
 * {@code sha256-<hex>.sig}: an OCI manifest whose layers are simple-signing payloads) and cosign 3's Sigstore
 * bundles (referrer manifests found through the OCI referrers API or its {@code sha256-<hex>} tag) — and lets
 * {@link SignatureJudge} and {@link BundleJudge} decide; the image is accepted when either layout verifies, as
 * cosign accepts it. Registries are tried in the order given; an unreachable one is skipped, and the first that
 * answers decides (a signature missing there is missing).
 */
public final class CosignVerifier {
    private final RegistryClient client;

    public CosignVerifier(RegistryClient client) {
        this.client = client;
    }

    private static ImageSpec.IdentityRepository rule(ImageSpec image) {
        return image.signature() == null ? ImageSpec.IdentityRepository.ANY : image.signature().repository();
    }

    /**
     * @param hosts the registries to read from, in order (e.g. the one that served the tag first)
     * @throws RegistryException (kind UNREACHABLE) when no registry answered, so nothing is known
     */
    public Verification verify(ImageSpec image, String digest, PublicKey key, List<String> hosts)
            throws RegistryException {
        return verify(image, digest, new Trust.Key(key), hosts);
    }

    /**
     * Reads the key or trusted root of the image's signature policy and verifies.
     *
     * @throws IllegalArgumentException when the key or trusted root cannot be read
     */
    public Verification verify(ImageSpec image, String digest, List<String> hosts) throws RegistryException {
        return verify(image, digest, Trust.of(image.signature()), hosts);
    }

    /** As {@link #verify(ImageSpec, String, PublicKey, List)}, for a key or keyless trust. */
    public Verification verify(ImageSpec image, String digest, Trust trust, List<String> hosts)
            throws RegistryException {
        List<String> unreachable = new ArrayList<>();
        RegistryException last = null;
        for (String host : hosts) {
            try {
                return verifyOn(host, image, digest, trust);
            } catch (RegistryException e) {
                if (e.kind() != RegistryException.Kind.UNREACHABLE) {
                    throw e;
                }
                unreachable.add(e.getMessage());
                last = e;
            }
        }
        throw new RegistryException(RegistryException.Kind.UNREACHABLE, last == null ? null : last.host(),
                "cannot read the signatures of " + digest + ": no registry answered (" + String.join("; ",
                        unreachable) + ")");
    }

    private Verification verifyOn(String host, ImageSpec image, String digest, Trust trust)
            throws RegistryException {
        Set<String> repositories = new LinkedHashSet<>();
        image.hosts().forEach(h -> repositories.add(h + "/" + image.path()));
        String where = host + "/" + image.path() + ":" + Digests.signatureTag(digest);
        Verification classic = null;
        try {
            Manifest sig = client.manifest(host, image.path(), Digests.signatureTag(digest));
            classic = SignatureJudge.judge(layers(host, image, sig), digest, trust, rule(image), repositories, where,
                    host);
            if (classic.verified()) {
                return classic;
            }
        } catch (RegistryException e) {
            if (e.kind() != RegistryException.Kind.NOT_FOUND) {
                throw e;
            }
        }
        RegistryClient.Referrers referrers = client.referrers(host, image.path(), digest);
        List<BundleJudge.Found> bundles = bundles(host, image, digest, referrers);
        Verification bundled = null;
        if (!bundles.isEmpty()) {
            byte[] manifest = bundles.stream().anyMatch(b -> b.bundle() != null
                    && b.bundle().content() instanceof SigstoreBundle.MessageSignature)
                    || trust instanceof Trust.Keyless
                    ? client.manifest(host, image.path(), digest).bytes() : new byte[0];
            bundled = BundleJudge.judge(bundles, digest, () -> manifest, trust, host);
            if (bundled.verified()) {
                return bundled;
            }
        }
        if (classic != null) {
            return classic;
        }
        if (bundled != null) {
            return bundled;
        }
        return Verification.refused(Refusal.MISSING, "no cosign signature for " + digest + ": " + where
                + " does not exist, and no Sigstore bundle refers to it (looked at: " + referrers.source() + "); sign"
                + " it with: cosign sign --key cosign.key " + image.repository() + "@" + digest, host);
    }

    private List<SignedLayer> layers(String host, ImageSpec image, Manifest sig) throws RegistryException {
        List<SignedLayer> layers = new ArrayList<>();
        for (JsonNode layer : RegistryClient.layers(sig)) {
            Map<String, String> annotations = new LinkedHashMap<>();
            layer.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText("")));
            String signature = annotations.get(SignatureJudge.SIGNATURE_ANNOTATION);
            if (signature == null) {
                layers.add(new SignedLayer(new byte[0], null));
                continue;
            }
            byte[] payload = client.blob(host, image.path(), layer.path("digest").asText(""));
            layers.add(new SignedLayer(payload, signature, annotations));
        }
        return layers;
    }

    /**
     * The Sigstore bundles attached to {@code digest} on {@code host} (referrers API, else the referrers tag), each
     * from a referrer whose own subject is the digest; the source looked at is returned beside them.
     */
    public Attached attachedBundles(String host, ImageSpec image, String digest) throws RegistryException {
        RegistryClient.Referrers referrers = client.referrers(host, image.path(), digest);
        return new Attached(bundles(host, image, digest, referrers), referrers.source());
    }

    /** Bundles found, and where the referrers were read. */
    public record Attached(List<BundleJudge.Found> bundles, String source) {
    }

    /** The Sigstore bundles among the referrers whose subject is this digest. */
    private List<BundleJudge.Found> bundles(String host, ImageSpec image, String digest,
                                            RegistryClient.Referrers referrers) throws RegistryException {
        List<BundleJudge.Found> found = new ArrayList<>();
        for (JsonNode d : referrers.descriptors()) {
            String artifactType = d.path("artifactType").asText("");
            String referrer = d.path("digest").asText("");
            if (!SigstoreBundle.isBundleMediaType(artifactType) || !Digests.isSha256(referrer)) {
                continue;
            }
            Manifest m = client.manifest(host, image.path(), referrer);
            JsonNode json;
            try {
                json = dev.deployguard.json.Json.mapper().readTree(m.bytes());
            } catch (IOException e) {
                throw new RegistryException(RegistryException.Kind.INVALID, host, "referrer " + referrer
                        + " is not JSON", e);
            }
            // The referrers tag is an ordinary tag anyone who can push may rewrite: only the manifest's own subject
            // says which image a referrer is for.
            if (!digest.equals(json.path("subject").path("digest").asText(""))) {
                continue;
            }
            for (JsonNode layer : json.path("layers")) {
                if (!SigstoreBundle.isBundleMediaType(layer.path("mediaType").asText(""))) {
                    continue;
                }
                String where = "in referrer " + host + "/" + image.path() + "@" + referrer;
                byte[] bytes = client.blob(host, image.path(), layer.path("digest").asText(""));
                try {
                    found.add(new BundleJudge.Found(where, SigstoreBundle.parse(bytes), null));
                } catch (SigstoreBundle.MalformedBundle e) {
                    found.add(new BundleJudge.Found(where, null, e.getMessage()));
                }
            }
        }
        return found;
    }
}
