package dev.deployguard.supplychain.testing;

import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.registry.Digests;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryException;
import dev.deployguard.supplychain.registry.RegistryClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
                key == null ? null : new ImageSpec.Signature(key, true), lkg, Duration.ofSeconds(5));
    }

    /** Pushes {@code PATH:version} to the primary; returns its digest. */
    public String push(String version) throws Exception {
        return TestImages.push(primary.host(), PATH, version, "web " + version + "\n");
    }

    /**
     * Pulls the tag and its signature (manifests and payload blobs) through the mirror, waits until the mirror has
     * committed them to its storage (the pull-through cache fetches a blob for itself again, after serving it), and
     * then proves that it serves them with the primary stopped. The primary runs again on return.
     */
    public void warmMirror(String version, String digest) throws Exception {
        var client = new RegistryClient(Duration.ofSeconds(5), h -> true);
        List<String> blobs = pullThroughMirror(client, version, digest);
        Instant deadline = Instant.now().plusSeconds(30);
        while (!blobs.stream().allMatch(mirror::stores)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the mirror did not store " + blobs + ":\n" + mirror.log());
            }
            Thread.sleep(50);
        }
        primary.stop();
        try {
            pullThroughMirror(client, version, digest);
        } finally {
            primary.resume();
        }
    }

    /** Pulls through the mirror; returns the digests of everything pulled. */
    private List<String> pullThroughMirror(RegistryClient client, String version, String digest)
            throws RegistryException {
        List<String> pulled = new ArrayList<>();
        pulled.add(client.manifest(mirror.host(), PATH, version).digest());
        Manifest sig;
        try {
            sig = client.manifest(mirror.host(), PATH, Digests.signatureTag(digest));
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return pulled;
            }
            throw e;
        }
        pulled.add(sig.digest());
        for (var layer : RegistryClient.layers(sig)) {
            String blob = layer.path("digest").asText();
            client.blob(mirror.host(), PATH, blob);
            pulled.add(blob);
        }
        return pulled;
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
