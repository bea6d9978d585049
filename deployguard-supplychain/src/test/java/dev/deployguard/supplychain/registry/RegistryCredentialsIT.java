package dev.deployguard.supplychain.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.check.SignatureCheck;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.TestImages;
import dev.deployguard.supplychain.testing.TokenServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Credentials from a Docker {@code config.json} against a real docker-registry that requires the distribution token
 * flow ({@link TokenServer} issues the tokens): anonymous is refused with what to do; an {@code auths} entry (both
 * forms, any key form) and a credential helper (run as {@code docker-credential-NAME get}) let the resolution and the
 * signature check through; a wrong password is refused naming the user and the source. The password appears in no
 * message.
 */
class RegistryCredentialsIT {
    static final String USER = "deployer";
    static final String PASSWORD = "s3cret-Pa55-do-not-print";
    static final String PATH = "team/web";
    static DockerRegistry open;
    static DockerRegistry authed;
    static TokenServer tokens;
    static Path dir;
    static Path key;
    static String digest;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("dg-creds");
        open = DockerRegistry.start();
        tokens = new TokenServer(dir, USER, PASSWORD);
        authed = DockerRegistry.startTokenAuthOver(open, tokens.realm(), tokens.certificate(), TokenServer.SERVICE,
                TokenServer.ISSUER);
        // Pushed through the open registry; the token-auth one serves the same storage.
        digest = TestImages.push(open.host(), PATH, "1.0", "web 1.0\n");
        CosignSigner signer = new CosignSigner();
        signer.signAndPush(open.host(), PATH, digest);
        key = signer.writePublicKey(dir.resolve("cosign.pub"));
    }

    @AfterAll
    static void stop() {
        if (authed != null) {
            authed.close();
        }
        if (tokens != null) {
            tokens.close();
        }
        if (open != null) {
            open.close();
        }
    }

    private static ImageSpec image() {
        return new ImageSpec(authed.host(), PATH, "${version}", List.of(), null, new ImageSpec.Signature(key, true),
                ImageSpec.LastKnownGood.OFFER, Duration.ofSeconds(5));
    }

    private static RegistryClient client(RegistryCredentials credentials) {
        return new RegistryClient(Duration.ofSeconds(5), h -> true, credentials);
    }

    private static CheckResult check(RegistryClient client) {
        var app = new AppSpec("web", null, new Strategy.Replace(), image(), null, null, null, null);
        return new SignatureCheck(image(), client).run(new CheckContext(app, "1.0", Duration.ofSeconds(5),
                Clock.systemUTC(), null));
    }

    private static DockerConfig config(String json) throws Exception {
        Path f = Files.createTempFile(dir, "config", ".json");
        Files.writeString(f, json);
        return DockerConfig.read(f, dir);
    }

    @Test
    void anonymousIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> new ImageResolver(client(RegistryCredentials.ANONYMOUS)).resolve(image(), "1.0"))
                .isInstanceOfSatisfying(ImageResolver.NotResolved.class, e -> {
                    assertThat(e.attempts().get(0).failure().kind()).isEqualTo(RegistryException.Kind.DENIED);
                    assertThat(e.getMessage()).contains("anonymous pulls are not allowed (add credentials to the"
                            + " Docker config: docker login " + authed.host() + ")");
                });
        assertThat(tokens.requests()).contains("anonymous");

        // A deploy is refused as denied, not as an outage, and no last known-good image is used in its place.
        var useLkg = new ImageSpec(authed.host(), PATH, "${version}", List.of(), null, new ImageSpec.Signature(key,
                true), ImageSpec.LastKnownGood.USE, Duration.ofSeconds(5));
        assertThatThrownBy(() -> new dev.deployguard.supplychain.deploy.ImageGate(i -> client(
                RegistryCredentials.ANONYMOUS)).admit("web", useLkg, "1.0", List.of(), (k, m, d) -> { }))
                .isInstanceOfSatisfying(dev.deployguard.error.DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(dev.deployguard.error.ExitCode.UNREACHABLE);
                    assertThat(e.getMessage()).contains("refused: the registry denied access to " + authed.host()
                            + "/team/web:1.0").contains("docker login " + authed.host());
                });
    }

    @Test
    void anAuthsEntryLetsTheResolutionAndTheSignatureCheckThrough() throws Exception {
        String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        CheckResult r = check(client(config("{\"auths\":{\"" + authed.host() + "\":{\"auth\":\"" + auth + "\"}}}")));
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).doesNotContain(PASSWORD);
        assertThat(tokens.requests()).contains(USER);

        // username/password fields, and the key written with a scheme and a path as older docker logins do.
        CheckResult fields = check(client(config("{\"auths\":{\"http://" + authed.host() + "/v1/\":{\"username\":\""
                + USER + "\",\"password\":\"" + PASSWORD + "\"}}}")));
        assertThat(fields.status()).as(fields.evidence()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void aCredentialHelperIsRunAsAnArgumentListWithTheHostOnStandardInput() throws Exception {
        Path calls = dir.resolve("helper-calls.log");
        Path helper = dir.resolve("docker-credential-dgtest");
        Files.writeString(helper, """
                #!/bin/sh
                read host
                echo "$* $host" >> "%s"
                if [ "$host" = "%s" ]; then
                  printf '{"ServerURL":"%%s","Username":"%s","Secret":"%s"}' "$host"
                else
                  echo "credentials not found in native keychain"
                  exit 1
                fi
                """.formatted(calls, authed.host(), USER, PASSWORD));
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        CheckResult r = check(client(config("{\"credHelpers\":{\"" + authed.host() + "\":\"dgtest\"}}")));
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
        assertThat(Files.readAllLines(calls)).contains("get " + authed.host());

        // The default store, asked for a host it does not know: no credentials, so anonymous (and refused).
        var storeOnly = config("{\"credsStore\":\"dgtest\"}");
        assertThat(storeOnly.find("other.example.com:5000")).isEmpty();
        assertThat(Files.readAllLines(calls)).contains("get other.example.com:5000");
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheUserAndTheSourceNeverThePassword() throws Exception {
        String auth = Base64.getEncoder().encodeToString((USER + ":wrong-" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        var config = config("{\"auths\":{\"" + authed.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        CheckResult r = check(client(config));
        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).contains("answered 401 for user " + USER + " (from ").contains(" auths)")
                .doesNotContain(PASSWORD);
        assertThat(config.find(authed.host()).orElseThrow().toString()).doesNotContain(PASSWORD).contains("****");
        assertThat(tokens.requests()).contains("refused:" + USER);
    }

    @Test
    void aMissingHelperIsNamed() throws Exception {
        var config = config("{\"credHelpers\":{\"" + authed.host() + "\":\"absent\"}}");
        assertThatThrownBy(() -> config.find(authed.host())).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.getMessage()).startsWith("cannot run the credential helper docker-credential-absent"));
    }
}
