package dev.deployguard.supplychain.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Test support: attests images as {@code cosign attest --key} does in its classic layout (sigstore/cosign
 * {@code cmd/cosign/cli/attest/attest.go}, cosign 2.x): an in-toto statement (predicate type as
 * {@code cmd/cosign/cli/options/predicate.go} maps {@code --type}) in a DSSE envelope signed over its
 * pre-authentication encoding, pushed as a layer ({@code application/vnd.dsse.envelope.v1+json}, annotations
 * {@code predicateType} and an empty {@code dev.cosignproject.cosign/signature}) of the manifest at tag
 * {@code sha256-<hex>.att}. Bundle-layout attestations use {@link BundleSigner#dsseBundle} with these statements.
 */
public final class AttestationSigner {
    public static final String SPDX = "https://spdx.dev/Document";
    public static final String CYCLONEDX = "https://cyclonedx.org/bom";
    public static final String SLSA_V1 = "https://slsa.dev/provenance/v1";
    public static final String VULN = "https://cosign.sigstore.dev/attestation/vuln/v1";

    private AttestationSigner() {
    }

    /** An in-toto v0.1 statement as cosign generates it: the image as subject, the predicate as given (JSON). */
    public static byte[] statement(String name, String digest, String predicateType, String predicateJson) {
        return ("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"" + predicateType
                + "\",\"subject\":[{\"name\":\"" + name + "\",\"digest\":{\"sha256\":\""
                + digest.substring("sha256:".length()) + "\"}}],\"predicate\":" + predicateJson + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A DSSE envelope of {@code statement} signed by {@code signer}, as cosign writes it. */
    public static byte[] envelope(CosignSigner signer, byte[] statement) {
        String sig = signer.sign(BundleSigner.pae("application/vnd.in-toto+json", statement));
        return ("{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\""
                + Base64.getEncoder().encodeToString(statement) + "\",\"signatures\":[{\"keyid\":\"\",\"sig\":\""
                + sig + "\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** One layer of the attestation manifest: the envelope, and the predicate type the annotation claims. */
    public record Layer(byte[] envelope, String annotatedPredicateType) {
    }

    /** Pushes these layers as the manifest at {@code sha256-<hex>.att} of {@code digest}. */
    public static void push(String host, String path, String digest, List<Layer> layers) throws Exception {
        byte[] config = "{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = OciPush.blob(host, path, config);
        List<String> descriptors = new ArrayList<>();
        for (Layer l : layers) {
            String d = OciPush.blob(host, path, l.envelope());
            descriptors.add("{\"mediaType\":\"application/vnd.dsse.envelope.v1+json\",\"size\":" + l.envelope().length
                    + ",\"digest\":\"" + d + "\",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"\","
                    + "\"predicateType\":\"" + l.annotatedPredicateType() + "\"}}");
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + configDigest + "\"},\"layers\":[" + String.join(",", descriptors) + "]}";
        OciPush.manifest(host, path, digest.replace(':', '-') + ".att", "application/vnd.oci.image.manifest.v1+json",
                manifest.getBytes(StandardCharsets.UTF_8));
    }

    /** An SPDX 2.3 JSON document of one package. */
    public static String spdx(String name) {
        return "{\"spdxVersion\":\"SPDX-2.3\",\"dataLicense\":\"CC0-1.0\",\"SPDXID\":\"SPDXRef-DOCUMENT\",\"name\":\""
                + name + "\",\"documentNamespace\":\"https://example.com/spdx/" + name + "\",\"creationInfo\":{"
                + "\"created\":\"2026-12-07T10:00:00Z\",\"creators\":[\"Tool: syft-1.18.1\"]},\"packages\":[{\"name\":"
                + "\"busybox\",\"SPDXID\":\"SPDXRef-Package-busybox\",\"versionInfo\":\"1.36.1\",\"downloadLocation\":"
                + "\"NOASSERTION\"}]}";
    }

    /** A SLSA v1 provenance predicate (the shape slsa-github-generator writes). */
    public static String slsaV1() {
        return "{\"buildDefinition\":{\"buildType\":\"https://slsa-framework.github.io/github-actions-buildtypes/"
                + "workflow/v1\",\"externalParameters\":{\"workflow\":{\"ref\":\"refs/heads/main\",\"repository\":"
                + "\"https://github.com/example/web\",\"path\":\".github/workflows/release.yml\"}},"
                + "\"resolvedDependencies\":[]},\"runDetails\":{\"builder\":{\"id\":\"https://github.com/"
                + "slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/"
                + "v2.0.0\"},\"metadata\":{\"invocationId\":\"https://github.com/example/web/actions/runs/1/attempts/1\"}}}";
    }

    /** A cosign vuln predicate around a scanner's JSON report. */
    public static String vuln(String reportJson) {
        return "{\"invocation\":{\"parameters\":null,\"uri\":\"\",\"event_id\":\"\",\"builder.id\":\"\"},"
                + "\"scanner\":{\"uri\":\"pkg:github/anchore/grype@0.74.0\",\"version\":\"0.74.0\",\"db\":{\"uri\":\"\","
                + "\"version\":\"5\"},\"result\":" + reportJson + "},\"metadata\":{\"scanStartedOn\":"
                + "\"2026-12-07T10:00:00Z\",\"scanFinishedOn\":\"2026-12-07T10:00:05Z\"}}";
    }
}
