package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.RealCosignImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code deployguard verify} on every signature scenario of a real docker-registry holding images signed by the real
 * cosign binary and relocated to other paths ({@link RealCosignImages}): exit 0 when verified, 1 with the reason
 * printed when not, 2 on a bad reference or key.
 */
class VerifyIT {
    static DockerRegistry registry;
    static RealCosignImages images;

    @BeforeAll
    static void start() throws Exception {
        registry = DockerRegistry.start();
        images = RealCosignImages.storeIn(registry, Files.createTempDirectory("dg-verify"));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static Harness.Run verify(String... args) {
        List<String> full = new ArrayList<>(List.of("verify"));
        full.addAll(List.of(args));
        PrintStream out = System.out;
        PrintStream err = System.err;
        var o = new ByteArrayOutputStream();
        var e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = DeployGuard.run(full.toArray(String[]::new));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Harness.Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static Harness.Run refused(String path, Path key, String refusal) {
        Harness.Run r = verify(images.reference(path), "--key", key.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).startsWith("NOT VERIFIED " + images.reference(path) + " (").contains("): " + refusal + "\n")
                .contains("\nremedy: ");
        return r;
    }

    @Test
    void theRelocatedImageVerifiesAsAProcessOfTheDistribution() throws Exception {
        Path out = Files.createTempFile("dg-verify", ".out");
        Process p = new ProcessBuilder(Harness.java(), "-cp", Harness.classPath(), DeployGuard.class.getName(),
                "verify", images.reference(RealCosignImages.RELOCATED), "--key", images.key.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int exit = p.waitFor();
        String printed = Files.readString(out);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).startsWith("VERIFIED " + images.reference(RealCosignImages.RELOCATED) + " ("
                + images.digest + ")\n").contains("for 192.168.64.2:5000/cosign-signed-single-sample; that is another"
                + " repository");
    }

    @Test
    void jsonSaysWhatWasVerifiedAndByDigestToo() throws IOException {
        Harness.Run r = verify(images.host + "/" + RealCosignImages.RELOCATED + "@" + images.digest, "--key",
                images.key.toString(), "-o", "json");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode j = Json.mapper().readTree(r.out());
        assertThat(j.path("verified").asBoolean()).isTrue();
        assertThat(j.path("digest").asText()).isEqualTo(images.digest);
        assertThat(j.path("dockerReference").asText()).isEqualTo("192.168.64.2:5000/cosign-signed-single-sample");
        assertThat(j.path("refusal").isNull()).isTrue();
    }

    @Test
    void exactRepositoryRefusesTheRelocatedImageAndAcceptsTheSigningRegistryAsAMirror() throws IOException {
        Harness.Run r = verify(images.reference(RealCosignImages.RELOCATED), "--key", images.key.toString(),
                "--repository", "exact", "-o", "json");
        assertThat(r.exit()).isEqualTo(1);
        JsonNode j = Json.mapper().readTree(r.out());
        assertThat(j.path("refusal").asText()).isEqualTo("OTHER_REPOSITORY");
        assertThat(j.path("remedy").asText()).contains("signature.identity.repository: any");
        Harness.Run mirrored = verify(images.reference(RealCosignImages.ORIGINAL_PATH), "--key",
                images.key.toString(), "--repository", "exact", "--mirror", RealCosignImages.ORIGINAL_HOST);
        assertThat(mirrored.exit()).as(mirrored.out() + mirrored.err()).isZero();
    }

    @Test
    void aSignatureSplitOverLinesVerifies() {
        Harness.Run r = verify(images.reference(RealCosignImages.SPLIT), "--key", images.key.toString());
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void eachTamperedVariantIsRefusedWithItsReason() {
        assertThat(refused(RealCosignImages.BAD_ENCODING, images.key, "BAD_ENCODING").out())
                .contains("character '%' at position 20 is not base64");
        assertThat(refused(RealCosignImages.KEY_REKOR, images.key, "WRONG_KEY").out())
                .contains("was signed with another key");
        assertThat(refused(RealCosignImages.CHANGED_PAYLOAD, images.otherKey, "CHANGED_PAYLOAD").out())
                .contains("its payload was changed after signing");
        assertThat(refused(RealCosignImages.KEYLESS, images.key, "KEYLESS").out())
                .contains("keyless signature (a Fulcio certificate for mitr@redhat.com");
        assertThat(refused(RealCosignImages.COPIED, images.key, "OTHER_DIGEST").out())
                .contains("signs another image, " + images.digest);
        assertThat(refused(RealCosignImages.UNSIGNED, images.key, "MISSING").out())
                .contains("does not exist, and no Sigstore bundle refers to it");
        Harness.Run rekor = verify(images.reference(RealCosignImages.KEY_REKOR), "--key", images.otherKey.toString());
        assertThat(rekor.exit()).as(rekor.out()).isZero();
    }

    @Test
    void aCosign3BundleAttachedAsAReferrerVerifiesAndAnotherKeyIsNamed() throws Exception {
        var signer = new dev.deployguard.supplychain.testing.CosignSigner();
        Path key = signer.writePublicKey(Files.createTempDirectory("dg-verify-bundle").resolve("cosign.pub"));
        String digest = dev.deployguard.supplychain.testing.TestImages.push(images.host, "bundled/web", "v1", "b\n");
        var m = new dev.deployguard.supplychain.registry.RegistryClient(java.time.Duration.ofSeconds(5), h -> true)
                .manifest(images.host, "bundled/web", digest);
        String entry = dev.deployguard.supplychain.testing.BundleSigner.attach(images.host, "bundled/web", digest,
                m.mediaType(), m.bytes().length, dev.deployguard.supplychain.testing.BundleSigner.dsseBundle(signer,
                        dev.deployguard.supplychain.testing.BundleSigner.statement("bundled/web", digest)));
        dev.deployguard.supplychain.testing.BundleSigner.writeReferrersTag(images.host, "bundled/web", digest, entry);
        Harness.Run ok = verify(images.host + "/bundled/web:v1", "--key", key.toString());
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("(DSSE in-toto statement, predicate https://sigstore.dev/cosign/sign/v1)");
        Harness.Run other = verify(images.host + "/bundled/web:v1", "--key", images.key.toString());
        assertThat(other.exit()).isEqualTo(1);
        assertThat(other.out()).contains(": WRONG_KEY\n");
    }

    @Test
    void theRealKeylessSignatureVerifiesByIdentityOfflineAndAnotherIdentityIsRefused() {
        String ref = images.reference(RealCosignImages.KEYLESS);
        Harness.Run ok = verify(ref, "--trusted-root", images.trustedRoot.toString(), "--certificate-identity",
                "mitr@redhat.com", "--certificate-oidc-issuer", "https://github.com/login/oauth");
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("verifies with keyless, mitr@redhat.com");
        Harness.Run other = verify(ref, "--trusted-root", images.trustedRoot.toString(),
                "--certificate-identity-regexp", ".*@example\\.com", "--certificate-oidc-issuer",
                "https://github.com/login/oauth");
        assertThat(other.exit()).isEqualTo(1);
        assertThat(other.out()).contains(": WRONG_IDENTITY\n").contains("is signed by mitr@redhat.com");
        Harness.Run keyed = verify(images.reference(RealCosignImages.KEY_REKOR), "--trusted-root",
                images.trustedRoot.toString(), "--certificate-identity", "mitr@redhat.com",
                "--certificate-oidc-issuer", "https://github.com/login/oauth");
        assertThat(keyed.out()).contains(": KEYED\n");
        Harness.Run both = verify(ref, "--key", images.key.toString(), "--certificate-identity", "mitr@redhat.com");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("give --key K, or keyless --trusted-root F");
        Harness.Run noIssuer = verify(ref, "--trusted-root", images.trustedRoot.toString(), "--certificate-identity",
                "mitr@redhat.com");
        assertThat(noIssuer.exit()).isEqualTo(2);
        assertThat(noIssuer.err()).contains("give one of --certificate-oidc-issuer or --certificate-oidc-issuer-regexp");
    }

    @Test
    void credentialsComeFromTheDockerConfigOfTheEnvironmentAndAreNeverPrinted() throws Exception {
        Path dir = Files.createTempDirectory("dg-verify-creds");
        String password = "pw-never-printed-7";
        try (var tokens = new dev.deployguard.supplychain.testing.TokenServer(dir, "deployer", password);
             var authed = DockerRegistry.startTokenAuthOver(registry, tokens.realm(), tokens.certificate(),
                     dev.deployguard.supplychain.testing.TokenServer.SERVICE,
                     dev.deployguard.supplychain.testing.TokenServer.ISSUER)) {
            String ref = authed.host() + "/" + RealCosignImages.RELOCATED + ":" + RealCosignImages.TAG;
            Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + authed.host() + "\":{\"auth\":\""
                    + java.util.Base64.getEncoder().encodeToString(("deployer:" + password).getBytes(
                    StandardCharsets.UTF_8)) + "\"}}}");
            String withConfig = process(dir, "verify", ref, "--key", images.key.toString());
            assertThat(withConfig).startsWith("exit 0\nVERIFIED " + ref).doesNotContain(password);
            assertThat(tokens.requests()).contains("deployer");
            String anonymous = process(null, "verify", ref, "--key", images.key.toString());
            assertThat(anonymous).startsWith("exit 1\nNOT VERIFIED " + ref + ": DENIED")
                    .contains("anonymous pulls are not allowed (add credentials to the Docker config: docker login "
                            + authed.host() + ")");
        }
    }

    /** Runs the CLI as a process, with DOCKER_CONFIG set to {@code dockerConfig} (or unset); "exit N\n" + output. */
    private static String process(Path dockerConfig, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Harness.java(), "-cp", Harness.classPath(),
                DeployGuard.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("dg-verify", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().remove("DOCKER_CONFIG");
        if (dockerConfig != null) {
            pb.environment().put("DOCKER_CONFIG", dockerConfig.toString());
        }
        int exit = pb.start().waitFor();
        return "exit " + exit + "\n" + Files.readString(out);
    }

    @Test
    void anUnknownTagOrADeadRegistryIsNotVerified() throws IOException {
        Harness.Run missing = verify(images.host + "/relocated/none:v9", "--key", images.key.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.out()).startsWith("NOT VERIFIED " + images.host + "/relocated/none:v9: NOT_FOUND");
        String dead;
        try (var s = new java.net.ServerSocket(0)) {
            dead = "127.0.0.1:" + s.getLocalPort();
        }
        Harness.Run down = verify(dead + "/team/web:v1", "--key", images.key.toString(), "--timeout", "1s");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.out()).startsWith("NOT VERIFIED " + dead + "/team/web:v1: UNREACHABLE");
    }

    @Test
    void aBadReferenceOrKeyIsBadInput() throws IOException {
        Harness.Run noHost = verify("team/web:v1", "--key", images.key.toString());
        assertThat(noHost.exit()).isEqualTo(2);
        assertThat(noHost.err()).contains("IMAGE: expected a registry host first");
        Path notAKey = Files.writeString(Files.createTempFile("dg", ".pub"), "hello");
        Harness.Run badKey = verify(images.reference(RealCosignImages.RELOCATED), "--key", notAKey.toString());
        assertThat(badKey.exit()).isEqualTo(2);
        assertThat(badKey.err()).contains("--key: ").contains("is not a PEM public key");
        Harness.Run badDigest = verify(images.host + "/a/b@sha256:abc", "--key", images.key.toString());
        assertThat(badDigest.exit()).isEqualTo(2);
        assertThat(badDigest.err()).contains("the digest must be sha256:<64 lowercase hex>");
    }
}
