package dev.deployguard.supplychain.cosign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.Verification.Refusal;
import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * Finds the cosign signatures of an image digest where cosign's classic layout keeps them (the tag
 * {@code sha256-<hex>.sig} in the same repository: an OCI manifest whose layers are simple-signing payloads) and
 * lets {@link SignatureJudge} decide. Registries are tried in the order given; an unreachable one is skipped, and
 * the first that answers decides (a signature missing there is missing).
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
        Set<String> repositories = new LinkedHashSet<>();
        image.hosts().forEach(h -> repositories.add(h + "/" + image.path()));
        String tag = Digests.signatureTag(digest);
        List<String> unreachable = new ArrayList<>();
        RegistryException last = null;
        for (String host : hosts) {
            String where = host + "/" + image.path() + ":" + tag;
            try {
                Manifest sig = client.manifest(host, image.path(), tag);
                List<SignedLayer> layers = new ArrayList<>();
                for (JsonNode layer : RegistryClient.layers(sig)) {
                    Map<String, String> annotations = new LinkedHashMap<>();
                    layer.path("annotations").properties().forEach(e -> annotations.put(e.getKey(),
                            e.getValue().asText("")));
                    String signature = annotations.get(SignatureJudge.SIGNATURE_ANNOTATION);
                    if (signature == null) {
                        layers.add(new SignedLayer(new byte[0], null));
                        continue;
                    }
                    byte[] payload = client.blob(host, image.path(), layer.path("digest").asText(""));
                    layers.add(new SignedLayer(payload, signature, annotations));
                }
                return SignatureJudge.judge(layers, digest, key, rule(image), repositories, where, host);
            } catch (RegistryException e) {
                if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                    return Verification.refused(Refusal.MISSING, "no cosign signature for " + digest + ": "
                            + where + " does not exist (sign it with: cosign sign --key cosign.key "
                            + image.repository() + "@" + digest + ")", host);
                }
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
}
