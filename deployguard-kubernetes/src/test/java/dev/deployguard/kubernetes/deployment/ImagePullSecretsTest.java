package dev.deployguard.kubernetes.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pull Secrets the kubelet would use for a pod, read from fabric8's mock API server (CRUD). */
@EnableKubernetesMockClient(crud = true)
class ImagePullSecretsTest {
    KubernetesMockServer server;
    KubernetesClient client;

    private void secret(String name, String type, String key, String value) {
        client.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName(name)
                .endMetadata().withType(type).withData(Map.of(key, Base64.getEncoder().encodeToString(
                        value.getBytes(StandardCharsets.UTF_8)))).build()).create();
    }

    @Test
    void thePodsSecretsInOrderOnlyOfTheDockerTypesDecoded() {
        secret("regcred", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{\"auths\":{}}");
        secret("legacy", "kubernetes.io/dockercfg", ".dockercfg", "{}");
        secret("tls", "kubernetes.io/tls", "tls.crt", "x");
        PodSpec pod = new PodSpecBuilder().addNewImagePullSecret("legacy").addNewImagePullSecret("missing")
                .addNewImagePullSecret("tls").addNewImagePullSecret("regcred").build();

        var found = ImagePullSecrets.of(client, "shop", pod);

        assertThat(found).extracting(ImagePullSecrets.Found::name).containsExactly("shop/legacy", "shop/regcred");
        assertThat(new String(found.get(1).content(), StandardCharsets.UTF_8)).isEqualTo("{\"auths\":{}}");
        assertThat(found.get(1).toString()).doesNotContain("auths");
    }

    @Test
    void aPodWithoutSecretsUsesItsServiceAccounts() {
        secret("sa-cred", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{\"auths\":{}}");
        client.serviceAccounts().inNamespace("shop").resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("web").endMetadata().addNewImagePullSecret("sa-cred").build()).create();

        assertThat(ImagePullSecrets.of(client, "shop", new PodSpecBuilder().withServiceAccountName("web").build()))
                .extracting(ImagePullSecrets.Found::name).containsExactly("shop/sa-cred");
        assertThat(ImagePullSecrets.of(client, "shop", new PodSpecBuilder().build())).isEmpty(); // "default": none
    }
}
