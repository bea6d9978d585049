package dev.deployguard.supplychain.cosign;

import java.util.Map;

/**
 * One layer of a cosign signature manifest: the simple-signing payload (the exact bytes that were signed), the base64
 * signature from its {@code dev.cosignproject.cosign/signature} annotation (null when absent), and the layer's other
 * annotations (a keyless signature's certificate, a Rekor bundle).
 */
public record SignedLayer(byte[] payload, String signatureBase64, Map<String, String> annotations) {
    /** The annotation that holds a keyless signature's Fulcio certificate (PEM). */
    public static final String CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
    /** The annotation that holds the Rekor bundle (signed entry timestamp and entry body). */
    public static final String BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle";

    public SignedLayer {
        payload = payload.clone();
        annotations = Map.copyOf(annotations);
    }

    public SignedLayer(byte[] payload, String signatureBase64) {
        this(payload, signatureBase64, Map.of());
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    String annotation(String name) {
        return annotations.get(name);
    }
}
