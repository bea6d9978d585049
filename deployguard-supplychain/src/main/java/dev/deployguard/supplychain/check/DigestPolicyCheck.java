package dev.deployguard.supplychain.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.Trust;
import dev.deployguard.supplychain.registry.ImageResolver;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.util.List;
import java.util.Map;

/**
 * What the checks of a signed image policy ({@code image.signature}, {@code image.attestations}) do before and
 * around judging: the trust {@code image.signature} names, the digest (the context's, else resolved from the tag)
 * and the registries to ask in order; a refusal is a WARN when {@code signature.required} is false; a registry that
 * cannot be read is an ERROR.
 */
abstract class DigestPolicyCheck implements Check {
    final ImageSpec image;
    final RegistryClient client;

    DigestPolicyCheck(ImageSpec image, RegistryClient client) {
        this.image = image;
        this.client = client;
    }

    /** Why the spec asks nothing of this check (its SKIPPED evidence), or null when it asks. */
    abstract String nothingToCheck();

    /** The ERROR for a trust policy {@link Trust#of} refused. */
    abstract CheckResult unreadableTrust(IllegalArgumentException e);

    /** Judges the digest once it is known, asking these registries in order. */
    abstract CheckResult judge(String digest, List<String> hosts, Trust trust, CheckContext context);

    /** A tag that does not resolve to a digest: ERROR, unless the check knows better. */
    CheckResult unresolved(ImageResolver.NotResolved e) {
        return CheckResult.error(name(), "cannot tell: the image digest is unknown, " + e.getMessage(),
                "make the tag resolvable first (see the registry check)");
    }

    @Override
    public final CheckResult run(CheckContext context) {
        String nothing = nothingToCheck();
        if (nothing != null) {
            return CheckResult.skipped(name(), nothing);
        }
        Trust trust;
        try {
            trust = Trust.of(image.signature());
        } catch (IllegalArgumentException e) {
            return unreadableTrust(e);
        }
        String digest = context.imageDigest();
        List<String> hosts = image.hosts();
        if (digest == null) {
            try {
                var r = new ImageResolver(client).resolve(image, context.version() == null ? "" : context.version());
                digest = r.digest();
                hosts = r.hostsServedFirst(image);
            } catch (ImageResolver.NotResolved e) {
                return unresolved(e);
            }
        }
        return judge(digest, hosts, trust, context);
    }

    /** FAIL, or WARN saying so when {@code image.signature.required} is false. */
    final CheckResult refused(String evidence, String remedy, Map<String, Object> data) {
        return image.signature().required() ? CheckResult.fail(name(), evidence, remedy).withData(data)
                : CheckResult.warn(name(), evidence + " (signature.required is false)", remedy).withData(data);
    }

    /** ERROR: no registry (nor mirror) could be read. */
    final CheckResult unreachable(RegistryException e, Map<String, Object> data) {
        return CheckResult.error(name(), "cannot tell: " + e.getMessage(), "reach the registry " + image.registry()
                + " or a mirror, then check again").withData(data);
    }
}
