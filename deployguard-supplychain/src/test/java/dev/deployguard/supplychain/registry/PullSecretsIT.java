package dev.deployguard.supplychain.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.check.SignatureCheck;
import dev.deployguard.supplychain.deploy.ImageAdmission;
import dev.deployguard.supplychain.deploy.ImageGate;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes pull Secrets as registry credentials against a real docker-registry with htpasswd auth (Basic, its
 * bcrypt file written by Apache's {@code htpasswd -B}): the resolution, the signature check and the deploy gate get
 * through with a {@code kubernetes.io/dockerconfigjson} Secret (and the older {@code dockercfg} form); a wrong
 * password is refused naming the Secret and the user, never the password; without a Secret the registry's refusal
 * says what to do.
 */
class PullSecretsIT {
    static final String USER = "puller";
    static final String PASSWORD = "pull-Secret-pa55-never-print";
    static final String PATH = "shop/web";
    static DockerRegistry open;
    static DockerRegistry authed;
    static Path dir;
    static Path key;
    static String digest;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("dg-pullsecrets");
        Path htpasswd = dir.resolve("htpasswd");
        Process p = new ProcessBuilder("htpasswd", "-B", "-b", "-c", htpasswd.toString(), USER, PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("htpasswd (Debian package apache2-utils) failed: " + out);
        }
        open = DockerRegistry.start();
        authed = DockerRegistry.startHtpasswdOver(open, htpasswd);
        digest = TestImages.push(open.host(), PATH, "2.0", "web 2.0 behind htpasswd\n");
        CosignSigner signer = new CosignSigner();
        signer.signAndPush(open.host(), PATH, digest);
        key = signer.writePublicKey(dir.resolve("cosign.pub"));
    }

    @AfterAll
    static void stop() {
        if (authed != null) {
            authed.close();
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

    private static PullSecrets secret(String type, String json) {
        return new PullSecrets(List.of(new PullSecrets.Secret("shop/regcred", type,
                json.getBytes(StandardCharsets.UTF_8))));
    }

    private static String auth(String password) {
        return Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static CheckResult check(RegistryCredentials credentials) {
        var app = new AppSpec("web", null, new Strategy.Replace(), image(), null, null, null, null);
        return new SignatureCheck(image(), client(credentials)).run(new CheckContext(app, "2.0",
                Duration.ofSeconds(5), Clock.systemUTC(), null));
    }

    @Test
    void aDockerConfigJsonSecretLetsTheDeployGateAndTheSignatureCheckThrough() {
        PullSecrets secrets = secret(PullSecrets.DOCKER_CONFIG_JSON, "{\"auths\":{\"" + authed.host()
                + "\":{\"auth\":\"" + auth(PASSWORD) + "\"}}}");
        List<String> events = new ArrayList<>();

        ImageAdmission admitted = new ImageGate(i -> client(secrets.then(RegistryCredentials.ANONYMOUS)))
                .admit("web", image(), "2.0", List.of(), (kind, message, data) -> events.add(message));

        assertThat(admitted.image().digest()).isEqualTo(digest);
        assertThat(admitted.image().verified()).isTrue();
        assertThat(String.join("\n", events)).doesNotContain(PASSWORD);
        CheckResult r = check(secrets);
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void theOlderDockercfgFormAndAKeyWithSchemeAndPathAreReadToo() {
        CheckResult r = check(secret(PullSecrets.DOCKER_CFG, "{\"https://" + authed.host() + "/v1/\":{\"username\":\""
                + USER + "\",\"password\":\"" + PASSWORD + "\"}}"));
        assertThat(r.status()).as(r.evidence()).isEqualTo(CheckStatus.PASS);
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheSecretAndTheUserNeverThePassword() throws Exception {
        PullSecrets wrong = secret(PullSecrets.DOCKER_CONFIG_JSON, "{\"auths\":{\"" + authed.host()
                + "\":{\"auth\":\"" + auth("wrong-" + PASSWORD) + "\"}}}");
        CheckResult r = check(wrong);
        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).contains("answered 401 with the credentials of user " + USER
                + " (from pull Secret shop/regcred)").doesNotContain(PASSWORD);
        assertThat(wrong.find(authed.host()).orElseThrow().toString()).doesNotContain(PASSWORD);
        assertThat(new PullSecrets.Secret("shop/regcred", PullSecrets.DOCKER_CFG, PASSWORD.getBytes(
                StandardCharsets.UTF_8)).toString()).doesNotContain(PASSWORD);
    }

    @Test
    void withoutASecretForTheHostTheControlPlanesOwnConfigIsAskedThenTheRefusalSaysWhatToDo() {
        PullSecrets other = secret(PullSecrets.DOCKER_CONFIG_JSON, "{\"auths\":{\"other.example.com\":{\"auth\":\""
                + auth(PASSWORD) + "\"}}}");
        List<String> asked = new ArrayList<>();
        RegistryCredentials chain = other.then(host -> {
            asked.add(host);
            return java.util.Optional.empty();
        });
        assertThatThrownBy(() -> new ImageGate(i -> client(chain)).admit("web", image(), "2.0", List.of(),
                (k, m, d) -> { }))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
                    assertThat(e.getMessage()).contains("the registry denied access to " + authed.host());
                });
        assertThat(asked).contains(authed.host());
    }

    @Test
    void aSecretThatIsNotJsonIsNamedWithoutItsContent() {
        PullSecrets broken = secret(PullSecrets.DOCKER_CONFIG_JSON, "{\"auths\": " + PASSWORD);
        assertThatThrownBy(() -> broken.find(authed.host())).isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.getMessage()).contains("Secret shop/regcred is not JSON").doesNotContain(PASSWORD);
        });
    }
}
