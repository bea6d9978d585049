package dev.deployguard.supplychain.check;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.CosignVerifier;
import dev.deployguard.supplychain.cosign.Trust;
import dev.deployguard.supplychain.cosign.Verification;
import dev.deployguard.supplychain.registry.ImageResolver;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code image.signature}: the image digest carries a cosign signature made with the app's key, for this digest (and
 * repository, under {@code identity.repository: exact}). PASS or FAIL with the precise refusal (WARN instead of FAIL when {@code signature.required: false});
 * ERROR when no registry can be read; SKIPPED when no key is configured.
 */
public final class SignatureCheck extends DigestPolicyCheck {
    public static final String NAME = "image.signature";

    public SignatureCheck(ImageSpec image, RegistryClient client) {
        super(image, client);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    String nothingToCheck() {
        return image.signature() == null ? "no image.signature.publicKey configured for " + image.repository() : null;
    }

    @Override
    CheckResult unreadableTrust(IllegalArgumentException e) {
        return CheckResult.error(NAME, "cannot read the signature key: " + e.getMessage(),
                "fix image.signature.publicKey");
    }

    @Override
    CheckResult unresolved(ImageResolver.NotResolved e) {
        if (e.unreachable() && image.lastKnownGood() == ImageSpec.LastKnownGood.USE) {
            return CheckResult.warn(NAME, "no registry answers, so " + image.repository() + " cannot be"
                    + " verified; lastKnownGood is use: a deploy now runs the last known-good release's"
                    + " verified image (" + e.getMessage() + ")", "start or reach the registry "
                    + image.registry());
        }
        return super.unresolved(e);
    }

    @Override
    CheckResult judge(String digest, List<String> hosts, Trust trust, CheckContext context) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("digest", digest);
        if (image.signature().publicKey() != null) {
            data.put("publicKey", image.signature().publicKey().toString());
        } else {
            data.put("keyless", image.signature().keyless().describe());
        }
        Verification v;
        try {
            v = new CosignVerifier(client).verify(image, digest, trust, hosts);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.INVALID) {
                return CheckResult.fail(NAME, "the signature of " + digest + " cannot be trusted: " + e.getMessage(),
                        "re-sign the image: cosign sign --key cosign.key " + image.repository() + "@" + digest)
                        .withData(data);
            }
            return unreachable(e, data);
        }
        data.put("registry", v.host());
        if (v.verified()) {
            if (v.dockerReference() != null) {
                data.put("dockerReference", v.dockerReference());
            }
            return CheckResult.pass(NAME, v.message()).withData(data);
        }
        data.put("refusal", v.refusal().name());
        return refused(v.message(), remedy(v.refusal(), image, digest), data);
    }

    /** What to do about a refusal (shared with {@code deployguard verify}). */
    public static String remedy(Verification.Refusal refusal, ImageSpec image, String digest) {
        String sign = "cosign sign --key cosign.key " + image.repository() + "@" + digest;
        return switch (refusal) {
            case MISSING -> "sign the image: " + sign;
            case WRONG_KEY, BAD_SIGNATURE -> "check that image.signature.publicKey is the key the image was signed"
                    + " with; if it is, the signature or payload was tampered with: do not deploy this image,"
                    + " re-sign it";
            case KEYLESS -> "the image is signed keyless: verify it by identity, or sign it with the key: " + sign;
            case BAD_ENCODING -> "the signature annotation is damaged: re-sign the image: " + sign;
            case CHANGED_PAYLOAD, OTHER_DIGEST, MALFORMED -> "do not deploy this image; sign this digest: " + sign;
            case KEYED -> "the image is signed with a key: give image.signature.publicKey, or sign it keyless: cosign"
                    + " sign " + image.repository() + "@" + digest;
            case WRONG_IDENTITY -> "check certificateIdentity/certificateOidcIssuer; if they are right, this image was"
                    + " not signed by that identity: do not deploy it";
            case UNTRUSTED_CERTIFICATE, BAD_TLOG -> "do not deploy this image: its keyless signature cannot be"
                    + " trusted with the configured trusted root (check keyless.trustedRoot)";
            case OTHER_REPOSITORY -> "sign it for this repository (" + sign + "), add the signing repository as a"
                    + " mirror, or set image.signature.identity.repository: any (cosign's rule)";
        };
    }
}
