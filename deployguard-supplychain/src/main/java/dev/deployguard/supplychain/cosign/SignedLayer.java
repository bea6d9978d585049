package dev.deployguard.supplychain.cosign;

/**
 * One layer of a cosign signature manifest: the simple-signing payload (the exact bytes that were signed) and the
 * base64 signature from its {@code dev.cosignproject.cosign/signature} annotation (null when absent).
 */
public record SignedLayer(byte[] payload, String signatureBase64) {
    public SignedLayer {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
