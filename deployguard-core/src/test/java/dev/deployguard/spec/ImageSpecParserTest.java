package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSpecParserTest {
    @TempDir
    Path dir;

    private Spec parse(String image) {
        String yaml = """
                apps:
                  web:
                    platform:
                      local:
                        command: ["./server", "--port", "${port}", "--image", "${image}"]
                        listen: 127.0.0.1:8080
                """ + image.indent(4);
        return new SpecParser().parse(yaml, "deployguard.yaml", dir);
    }

    private void writeKey(String name) throws Exception {
        var gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        byte[] der = gen.generateKeyPair().getPublic().getEncoded();
        Files.createDirectories(dir.resolve(name).getParent());
        Files.writeString(dir.resolve(name), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END PUBLIC KEY-----\n");
    }

    @Test
    void fullSectionIsReadWithKeyRelativeToTheSpecFile() throws Exception {
        writeKey("keys/cosign.pub");
        ImageSpec image = parse("""
                image:
                  repository: 127.0.0.1:5000/team/web
                  tag: "v${version}"
                  mirrors: [127.0.0.1:5001, mirror.example.com]
                  signature: {publicKey: keys/cosign.pub}
                  lastKnownGood: use
                  timeout: 2s
                """).apps().get("web").image();
        assertThat(image.registry()).isEqualTo("127.0.0.1:5000");
        assertThat(image.path()).isEqualTo("team/web");
        assertThat(image.repository()).isEqualTo("127.0.0.1:5000/team/web");
        assertThat(image.tagFor("1.2")).isEqualTo("v1.2");
        assertThat(image.hosts()).containsExactly("127.0.0.1:5000", "127.0.0.1:5001", "mirror.example.com");
        assertThat(image.signature().publicKey()).isEqualTo(dir.resolve("keys/cosign.pub"));
        assertThat(image.signature().required()).isTrue();
        assertThat(image.signature().readKey().getAlgorithm()).isEqualTo("EC");
        assertThat(image.lastKnownGood()).isEqualTo(ImageSpec.LastKnownGood.USE);
        assertThat(image.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(image.plainHttp("127.0.0.1:5001")).isTrue();
        assertThat(image.plainHttp("mirror.example.com")).as("https off loopback by default").isFalse();
    }

    @Test
    void defaults() {
        ImageSpec image = parse("image: {repository: ghcr.io/acme/web}").apps().get("web").image();
        assertThat(image.tag()).isEqualTo("${version}");
        assertThat(image.mirrors()).isEmpty();
        assertThat(image.signature()).isNull();
        assertThat(image.lastKnownGood()).isEqualTo(ImageSpec.LastKnownGood.OFFER);
        assertThat(image.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(image.plainHttp("ghcr.io")).isFalse();
    }

    @Test
    void explicitInsecureAppliesToEveryHost() {
        ImageSpec image = parse("image: {repository: registry.internal:5000/web, insecure: true}").apps().get("web")
                .image();
        assertThat(image.plainHttp("registry.internal:5000")).isTrue();
    }

    @Test
    void repositoryWithoutRegistryHostIsRefused() {
        assertThatThrownBy(() -> parse("image: {repository: team/web}"))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).containsExactly(
                        "apps.web.image.repository: expected a registry host first (a name with a dot or a port, or"
                                + " localhost), then the path, e.g. ghcr.io/team/web; got 'team/web'"));
    }

    @Test
    void repositoryWithTagIsRefusedPointingAtTheTagField() {
        assertThatThrownBy(() -> parse("image: {repository: \"ghcr.io/team/web:1.0\"}"))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems().get(0))
                        .contains("without a tag or digest").contains("apps.web.image.tag"));
    }

    @Test
    void uppercasePathMirrorDuplicatesBadPolicyAndUnknownFieldsAreEachReported() {
        assertThatThrownBy(() -> parse("""
                image:
                  repository: ghcr.io/Team/web
                  mirrors: [ghcr.io, "not a host"]
                  lastKnownGood: always
                  tag: "${ver}"
                """)).isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).satisfiesExactly(
                p -> assertThat(p).startsWith("apps.web.image.repository: path component 'Team'"),
                p -> assertThat(p).isEqualTo("apps.web.image.tag: unknown placeholder ${ver}; only ${version}"),
                p -> assertThat(p).isEqualTo("apps.web.image.mirrors[0]: 'ghcr.io' is listed twice (or is the"
                        + " primary registry)"),
                p -> assertThat(p).startsWith("apps.web.image.mirrors[1]: expected a registry host[:port]"),
                p -> assertThat(p).startsWith("apps.web.image.lastKnownGood: expected offer")));
        assertThatThrownBy(() -> parse("image: {repository: ghcr.io/a/b, mirror: [x.io]}"))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems().get(0))
                        .startsWith("apps.web.image.mirror: unknown field 'mirror'; expected one of:").contains("mirrors"));
    }

    @Test
    void missingOrWrongKeyFileIsRefusedWithWhatToGive() throws Exception {
        assertThatThrownBy(() -> parse("image: {repository: ghcr.io/a/b, signature: {publicKey: keys/none.pub}}"))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems().get(0))
                        .startsWith("apps.web.image.signature.publicKey: cannot read ")
                        .contains("cosign generate-key-pair"));
        Files.writeString(dir.resolve("cosign.key"), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n");
        assertThatThrownBy(() -> parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.key}}"))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems().get(0))
                        .contains("is not a PEM public key").contains("never the private key"));
    }

    @Test
    void imagePlaceholderNeedsAnImageSection() {
        assertThatThrownBy(() -> new SpecParser().parse("""
                apps:
                  web:
                    platform:
                      local:
                        command: ["./server", "--port", "${port}"]
                        env: {IMG: "${image}"}
                        listen: 127.0.0.1:8080
                """, "deployguard.yaml", dir)).isInstanceOfSatisfying(SpecException.class,
                e -> assertThat(e.problems()).containsExactly("apps.web.platform.local: ${image} is used but the app"
                        + " has no image section; add image.repository or drop the placeholder"));
    }

    @Test
    void identityRepositoryIsAnyByDefaultExactOnRequestAndAnythingElseIsRefused() throws Exception {
        writeKey("cosign.pub");
        ImageSpec dflt = parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.pub}}").apps()
                .get("web").image();
        assertThat(dflt.signature().repository()).isEqualTo(ImageSpec.IdentityRepository.ANY);
        ImageSpec exact = parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.pub,"
                + " identity: {repository: exact}}}").apps().get("web").image();
        assertThat(exact.signature().repository()).isEqualTo(ImageSpec.IdentityRepository.EXACT);
        assertThatThrownBy(() -> parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.pub,"
                + " identity: {repository: same}}}")).isInstanceOfSatisfying(SpecException.class,
                e -> assertThat(e.problems()).singleElement().asString()
                        .startsWith("apps.web.image.signature.identity.repository: expected any").endsWith("got 'same'"));
    }

    @Test
    void rsaAndEd25519KeysAreReadAsCosignAcceptsThemAndShortRsaIsRefused() throws Exception {
        for (String algorithm : java.util.List.of("RSA", "Ed25519")) {
            var gen = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("RSA")) {
                gen.initialize(2048);
            }
            Files.writeString(dir.resolve("k.pub"), "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64,
                    "\n".getBytes()).encodeToString(gen.generateKeyPair().getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n");
            assertThat(new ImageSpec.Signature(dir.resolve("k.pub"), true).readKey().getAlgorithm())
                    .isIn(algorithm, "EdDSA");
        }
        var weak = KeyPairGenerator.getInstance("RSA");
        weak.initialize(1024);
        Files.writeString(dir.resolve("weak.pub"), "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder()
                .encodeToString(weak.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> new ImageSpec.Signature(dir.resolve("weak.pub"), true).readKey())
                .hasMessageContaining("RSA key of 1024 bits; at least 2048");
    }

    @Test
    void keylessPolicyNeedsATrustedRootOneIdentityAndOneIssuer() throws Exception {
        Files.writeString(dir.resolve("trusted_root.json"), "{}");
        ImageSpec image = parse("""
                image:
                  repository: ghcr.io/a/b
                  signature:
                    keyless:
                      trustedRoot: trusted_root.json
                      certificateIdentityRegexp: ".*@example\\\\.com"
                      certificateOidcIssuer: https://accounts.google.com
                """).apps().get("web").image();
        assertThat(image.signature().publicKey()).isNull();
        assertThat(image.signature().keyless().trustedRoot()).isEqualTo(dir.resolve("trusted_root.json"));
        assertThat(image.signature().keyless().describe())
                .isEqualTo("identity matching .*@example\\.com, issuer https://accounts.google.com");
        assertThatThrownBy(() -> parse("""
                image:
                  repository: ghcr.io/a/b
                  signature:
                    keyless: {certificateIdentity: a, certificateIdentityRegexp: "(", trustedRoot: none.json}
                """)).isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).satisfiesExactly(
                p -> assertThat(p).startsWith("apps.web.image.signature.keyless: give one of certificateIdentity or"),
                p -> assertThat(p).startsWith("apps.web.image.signature.keyless: give one of certificateOidcIssuer"),
                p -> assertThat(p).startsWith("apps.web.image.signature.keyless.certificateIdentityRegexp: not a"
                        + " regular expression")));
        writeKey("cosign.pub");
        assertThatThrownBy(() -> parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.pub,"
                + " keyless: {trustedRoot: trusted_root.json}}}")).isInstanceOfSatisfying(SpecException.class,
                e -> assertThat(e.problems()).containsExactly("apps.web.image.signature: give publicKey or keyless,"
                        + " not both"));
    }

    @Test
    void aKeyPolicyMayRequireTheTransparencyLogOfATrustedRoot() throws Exception {
        writeKey("cosign.pub");
        Files.writeString(dir.resolve("root.json"), "{}");
        ImageSpec image = parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.pub,"
                + " transparencyLog: {trustedRoot: root.json}}}").apps().get("web").image();
        assertThat(image.signature().transparencyLog()).isEqualTo(dir.resolve("root.json"));
        assertThatThrownBy(() -> parse("image: {repository: ghcr.io/a/b, signature: {publicKey: cosign.pub,"
                + " transparencyLog: {trustedRoot: none.json}}}")).isInstanceOfSatisfying(SpecException.class,
                e -> assertThat(e.problems()).containsExactly("apps.web.image.signature.transparencyLog.trustedRoot:"
                        + " expected a readable Sigstore trusted_root.json, got 'none.json'"));
    }

    @Test
    void attestationsAreReadWithTheirKindsAndFailOn() throws Exception {
        writeKey("keys/cosign.pub");
        ImageSpec image = parse("""
                image:
                  repository: 127.0.0.1:5000/team/web
                  signature: {publicKey: keys/cosign.pub}
                  attestations: {require: [sbom, slsa, vulnerabilities], failOn: critical}
                """).apps().get("web").image();
        assertThat(image.attestations().require()).containsExactly(ImageSpec.AttestationKind.SBOM,
                ImageSpec.AttestationKind.PROVENANCE, ImageSpec.AttestationKind.VULNERABILITIES);
        assertThat(image.attestations().failOn()).isEqualTo("critical");
    }

    @Test
    void attestationsWithoutASignaturePolicyOrWithUnknownKindsAreRefused() {
        assertThatThrownBy(() -> parse("""
                image:
                  repository: 127.0.0.1:5000/team/web
                  attestations: {require: [sbom, licence, sbom], failOn: severe}
                """)).isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.problems()).containsExactly(
                "apps.web.image.attestations: attestations are trusted only when signed by the image's signer: add"
                        + " image.signature (publicKey or keyless)",
                "apps.web.image.attestations.require[1]: expected sbom (SPDX or CycloneDX), provenance (SLSA) or"
                        + " vulnerabilities (cosign vuln scan), got 'licence'",
                "apps.web.image.attestations.require[2]: sbom is listed twice",
                "apps.web.image.attestations.failOn: expected one of critical, high, medium, low, negligible, got"
                        + " 'severe'"));
    }
}
