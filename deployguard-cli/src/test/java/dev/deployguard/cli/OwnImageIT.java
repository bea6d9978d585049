package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.registry.Manifest;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.TestImages;
import dev.deployguard.supplychain.verify.ImageVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeployGuard's own image (issue 15 item 7): {@code deployguard image build} on the distribution jar this build
 * made, on a base image in a real docker-registry, pushed there with Jib core (no Docker daemon); the manifest and
 * config read back through the distribution API (layers, entrypoint, user, port, labels, the jar byte for byte);
 * signed with a generated key in cosign's classic layout and verified by DeployGuard itself ({@code verify});
 * the Kubernetes manifest pinned to the digest; and the same image written as a tarball.
 */
class OwnImageIT {
    static DockerRegistry registry;
    static Path jar = Path.of("target", "deployguard.jar").toAbsolutePath();
    @TempDir
    static Path dir;
    static Path privateKey;
    static Path publicKey;
    static String baseDigest;

    @BeforeAll
    static void start() throws Exception {
        assertThat(jar).as("the distribution jar (package runs before the ITs)").isRegularFile();
        registry = DockerRegistry.start();
        baseDigest = TestImages.push(registry.host(), "base/jre", "17", "stand-in for a Java 17 runtime\n");
        var gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = gen.generateKeyPair();
        privateKey = pem(dir.resolve("signing.pem"), "PRIVATE KEY", keys.getPrivate().getEncoded());
        publicKey = pem(dir.resolve("signing.pub"), "PUBLIC KEY", keys.getPublic().getEncoded());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static Path pem(Path file, String type, byte[] der) throws IOException {
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(
                StandardCharsets.US_ASCII)).encodeToString(der) + "\n-----END " + type + "-----\n");
        return file;
    }

    @Test
    void builtPushedReadBackSignedVerifiedAndPinned() throws Exception {
        Path manifestFile = dir.resolve("30-deployment.yaml");
        Files.copy(Path.of("..", "deploy", "kubernetes", "30-deployment.yaml"), manifestFile);
        String to = registry.host() + "/platform/deployguard:0.1.0";

        CommandTreeTest.Run r = CommandTreeTest.run("image", "build", "--to", to, "--from",
                registry.host() + "/base/jre:17", "--jar", jar.toString(), "--sign-key", privateKey.toString(),
                "--pin", manifestFile.toString(), "--cache", dir.resolve("jib").toString(), "-o", "json");

        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        JsonNode out = Json.mapper().readTree(r.out());
        String digest = out.path("digest").asText();
        String pinned = to + "@" + digest;
        assertThat(out.path("image").asText()).isEqualTo(pinned);
        assertThat(out.path("signature").asText()).isEqualTo(registry.host() + "/platform/deployguard:"
                + digest.replace(':', '-') + ".sig");

        // The manifest and config, read back through the distribution API.
        RegistryClient client = new RegistryClient(Duration.ofSeconds(10), h -> true);
        Manifest m = client.manifest(registry.host(), "platform/deployguard", "0.1.0");
        assertThat(m.digest()).isEqualTo(digest);
        JsonNode manifest = Json.mapper().readTree(m.bytes());
        assertThat(manifest.path("mediaType").asText()).isEqualTo(RegistryClient.OCI_MANIFEST);
        List<JsonNode> layers = RegistryClient.layers(m);
        Manifest base = client.manifest(registry.host(), "base/jre", "17");
        List<JsonNode> baseLayers = RegistryClient.layers(base);
        assertThat(layers).hasSize(baseLayers.size() + 1);
        assertThat(layers.get(0).path("digest").asText()).isEqualTo(baseLayers.get(0).path("digest").asText());
        JsonNode config = Json.mapper().readTree(client.blob(registry.host(), "platform/deployguard",
                manifest.path("config").path("digest").asText()));
        JsonNode c = config.path("config");
        assertThat(c.path("Entrypoint")).extracting(JsonNode::asText).containsExactly("java", "-XX:+UseSerialGC",
                "-XX:MaxRAMPercentage=75", "-jar", "/opt/deployguard/deployguard.jar");
        assertThat(c.path("Cmd")).extracting(JsonNode::asText).containsExactly("server");
        assertThat(c.path("User").asText()).isEqualTo("10001");
        assertThat(c.path("ExposedPorts").has("7420/tcp")).isTrue();
        assertThat(c.path("Labels").path("org.opencontainers.image.title").asText()).isEqualTo("DeployGuard");
        assertThat(c.path("Labels").path("org.opencontainers.image.version").asText()).isEqualTo("0.1.0");
        assertThat(c.path("Labels").path("org.opencontainers.image.base.name").asText())
                .isEqualTo(registry.host() + "/base/jre:17");
        // the last layer holds the jar, byte for byte
        // (larger than the registry client reads: fetched here as a stream)
        String layerDigest = layers.get(layers.size() - 1).path("digest").asText();
        var http = java.net.http.HttpClient.newHttpClient();
        Path layer = dir.resolve("jar-layer.tar.gz");
        var got = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + registry.host()
                + "/v2/platform/deployguard/blobs/" + layerDigest)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofFile(layer));
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat("sha256:" + sha256(Files.readAllBytes(layer))).isEqualTo(layerDigest);
        Map<String, byte[]> files;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(layer))) {
            files = untar(in);
        }
        assertThat(files).containsKey("opt/deployguard/deployguard.jar");
        assertThat(sha256(files.get("opt/deployguard/deployguard.jar"))).isEqualTo(sha256(Files.readAllBytes(jar)));

        // DeployGuard verifies its own image: the library and the command.
        var verified = ImageVerifier.standard().verify(new ImageVerifier.Request(pinned, publicKey,
                ImageSpec.IdentityRepository.EXACT, List.of(), null, "5s"));
        assertThat(verified.verified()).as(verified.message()).isTrue();
        CommandTreeTest.Run v = CommandTreeTest.run("verify", pinned, "--key", publicKey.toString());
        assertThat(v.exit()).as(v.out() + v.err()).isZero();
        assertThat(v.out()).startsWith("VERIFIED " + registry.host() + "/platform/deployguard@" + digest);
        Path otherKey = pem(dir.resolve("other.pub"), "PUBLIC KEY", otherPublicKey());
        assertThat(CommandTreeTest.run("verify", pinned, "--key", otherKey.toString()).exit()).isEqualTo(1);

        // deploy/kubernetes references the digest after --pin; nothing else in the file changed
        List<String> pinnedLines = Files.readAllLines(manifestFile);
        List<String> original = Files.readAllLines(Path.of("..", "deploy", "kubernetes", "30-deployment.yaml"));
        assertThat(pinnedLines).contains("          image: " + pinned).hasSameSizeAs(original);
        assertThat(pinnedLines.stream().filter(l -> !original.contains(l))).containsExactly("          image: "
                + pinned);
    }

    @Test
    void aTarballForDockerLoad() throws Exception {
        Path tar = dir.resolve("deployguard.tar");
        CommandTreeTest.Run r = CommandTreeTest.run("image", "build", "--to", "registry.example.com/deployguard:0.1.0",
                "--tar", tar.toString(), "--from", registry.host() + "/base/jre:17", "--jar", jar.toString(),
                "--cache", dir.resolve("jib-tar").toString());

        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).startsWith("wrote " + tar);
        Map<String, byte[]> files;
        try (InputStream in = Files.newInputStream(tar)) {
            files = untar(in);
        }
        JsonNode manifest = Json.mapper().readTree(files.get("manifest.json")).get(0);
        assertThat(manifest.path("RepoTags")).extracting(JsonNode::asText)
                .containsExactly("registry.example.com/deployguard:0.1.0");
        JsonNode config = Json.mapper().readTree(files.get(manifest.path("Config").asText()));
        assertThat(config.path("config").path("Entrypoint").toString()).contains("/opt/deployguard/deployguard.jar");
        assertThat(manifest.path("Layers")).hasSize(2);

        CommandTreeTest.Run refused = CommandTreeTest.run("image", "build", "--to", "x/y:1", "--tar",
                tar.toString(), "--sign-key", privateKey.toString());
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("--sign-key needs a registry");
    }

    private static byte[] otherPublicKey() throws Exception {
        var gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        return gen.generateKeyPair().getPublic().getEncoded();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A minimal ustar reader: regular files by name (leading "./" and "/" dropped). */
    static Map<String, byte[]> untar(InputStream in) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        byte[] header = new byte[512];
        while (in.readNBytes(header, 0, 512) == 512) {
            String name = new String(header, 0, 100, StandardCharsets.UTF_8).replace("\0", "");
            if (name.isEmpty()) {
                break;
            }
            String prefix = new String(header, 345, 155, StandardCharsets.UTF_8).replace("\0", "");
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.UTF_8).replace("\0", "").trim(),
                    8);
            byte type = header[156];
            byte[] content = in.readNBytes((int) size);
            long pad = (512 - size % 512) % 512;
            in.readNBytes((int) pad);
            if (type == '0' || type == 0) {
                files.put(name.replaceFirst("^\\./", "").replaceFirst("^/", ""), content);
            }
        }
        return files;
    }
}
