package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** {@link Kubeconfigs}: the kubeconfig handed to Helm's library names the same server, user and namespace. */
class KubeconfigsTest {
    @Test
    void tokenServerNamespaceAndCertificatesSurviveTheRoundTripThroughAKubeconfig() {
        String ca = Base64.getEncoder().encodeToString("ca-pem".getBytes());
        Config config = new ConfigBuilder().withMasterUrl("https://10.0.0.1:6443").withOauthToken("t\"ok")
                .withNamespace("apps").withCaCertData(ca).build();

        Config back = Config.fromKubeconfig(Kubeconfigs.of(config));

        assertThat(back.getMasterUrl()).isEqualTo("https://10.0.0.1:6443/");
        assertThat(back.getAutoOAuthToken()).isEqualTo("t\"ok");
        assertThat(Config.fromKubeconfig(Kubeconfigs.of(back)).getAutoOAuthToken())
                .as("a token read from a kubeconfig is passed on too").isEqualTo("t\"ok");
        assertThat(back.getNamespace()).isEqualTo("apps");
        assertThat(back.getCaCertData()).isEqualTo(ca);
        assertThat(back.isTrustCerts()).isFalse();
    }

    @Test
    void trustedCertsBecomeInsecureSkipTlsVerify() {
        Config config = new ConfigBuilder().withMasterUrl("https://10.0.0.1:6443").withTrustCerts(true)
                .withUsername("u").withPassword("p").build();

        Config back = Config.fromKubeconfig(Kubeconfigs.of(config));

        assertThat(back.isTrustCerts()).isTrue();
        assertThat(back.getUsername()).isEqualTo("u");
        assertThat(back.getPassword()).isEqualTo("p");
    }
}
