package dev.deployguard.supplychain;

import dev.deployguard.check.Check;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.check.AttestationCheck;
import dev.deployguard.supplychain.check.RegistryCheck;
import dev.deployguard.supplychain.check.SignatureCheck;
import dev.deployguard.supplychain.registry.ImageResolver;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryCredentials;
import java.util.List;

/** The supply-chain checks of an app's image, and the digest resolution the checklist does before running them. */
public final class SupplyChainChecks {
    private SupplyChainChecks() {
    }

    /**
     * {@code registry}, {@code image.signature} and, with an {@code image.attestations} policy,
     * {@code image.attestations} for this image (empty when the app has no image).
     */
    public static List<Check> forImage(ImageSpec image) {
        return forImage(image, null);
    }

    /**
     * As {@link #forImage(ImageSpec)}, with these credentials (e.g. a Kubernetes app's pull Secrets, then the Docker
     * config); null: the Docker config's.
     */
    public static List<Check> forImage(ImageSpec image, RegistryCredentials credentials) {
        if (image == null) {
            return List.of();
        }
        RegistryClient client = client(image, credentials);
        return image.attestations() == null
                ? List.of(new RegistryCheck(image, client), new SignatureCheck(image, client))
                : List.of(new RegistryCheck(image, client), new SignatureCheck(image, client),
                new AttestationCheck(image, client));
    }

    private static RegistryClient client(ImageSpec image, RegistryCredentials credentials) {
        return credentials == null ? RegistryClient.forImage(image)
                : new RegistryClient(image.timeout(), image::plainHttp, credentials);
    }

    /**
     * Resolves the app's image tag for {@code version} to a digest through the primary and its mirrors, for
     * {@code CheckContext.imageDigest}; null when the app has no image or no registry serves the tag (the registry
     * check then says why).
     */
    public static String resolveDigest(AppSpec app, String version) {
        return resolveDigest(app, version, null);
    }

    /** As {@link #resolveDigest(AppSpec, String)}, with these credentials (null: the Docker config's). */
    public static String resolveDigest(AppSpec app, String version, RegistryCredentials credentials) {
        if (app.image() == null || (version == null && app.image().tag().contains("${version}"))) {
            return null;
        }
        try {
            return new ImageResolver(client(app.image(), credentials))
                    .resolve(app.image(), version == null ? "" : version).digest();
        } catch (ImageResolver.NotResolved e) {
            return null;
        }
    }
}
