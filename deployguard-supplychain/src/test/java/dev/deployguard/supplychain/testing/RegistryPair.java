package dev.deployguard.supplychain.testing;

import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.RegistryClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Test support: a primary registry and a pull-through mirror of it, both real {@code docker-registry} processes, and
 * a signer whose public key is written to a file. {@link #warmMirror} pulls an image and its signature through the
 * mirror, so that it serves them while the primary is down.
 */
public final class RegistryPair implements AutoCloseable {
    public static final String PATH = "team/web";
    public final DockerRegistry primary;
    public final DockerRegistry mirror;
    public final CosignSigner signer = new CosignSigner();

    public RegistryPair() throws IOException {
        primary = DockerRegistry.start();
        DockerRegistry m;
        try {
            m = DockerRegistry.startMirrorOf(primary);
        } catch (IOException | RuntimeException e) {
            primary.close();
            throw e;
        }
        mirror = m;
    }

    /** An image section for the pair: primary, then the mirror; key at {@code key} (null: no signature check). */
    public ImageSpec image(Path key, ImageSpec.LastKnownGood lkg) {
        return new ImageSpec(primary.host(), PATH, "${version}", List.of(mirror.host()), null,
                key == null ? null : new ImageSpec.Signature(key, true), lkg, Duration.ofSeconds(2));
    }

    /** Pushes {@code PATH:version} to the primary; returns its digest. */
    public String push(String version) throws Exception {
        return TestImages.push(primary.host(), PATH, version, "web " + version + "\n");
    }

    /** Pulls the tag, its manifest and its signature (manifest and payload blobs) through the mirror. */
    public void warmMirror(String version, String digest) throws Exception {
        var client = new RegistryClient(Duration.ofSeconds(5), h -> true);
        client.manifest(mirror.host(), PATH, version);
        try {
            var sig = client.manifest(mirror.host(), PATH, Digests.signatureTag(digest));
            for (var layer : RegistryClient.layers(sig)) {
                client.blob(mirror.host(), PATH, layer.path("digest").asText());
            }
        } catch (dev.deployguard.supplychain.registry.RegistryException e) {
            if (e.kind() != dev.deployguard.supplychain.registry.RegistryException.Kind.NOT_FOUND) {
                throw e;
            }
        }
    }

    /** A loopback host:port where nothing listens. */
    public static String deadHost() throws IOException {
        try (var s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            mirror.close();
        } finally {
            primary.close();
        }
    }
}
