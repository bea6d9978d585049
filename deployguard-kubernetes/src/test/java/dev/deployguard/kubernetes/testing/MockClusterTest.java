package dev.deployguard.kubernetes.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** MockCluster's duties that need no binaries: typed lists, Content-Type, stringData folding, request log. */
class MockClusterTest {
    @Test
    void listsAreTypedAndAnsweredAsJsonAndSecretsFoldStringData() throws Exception {
        try (MockCluster cluster = MockCluster.start()) {
            cluster.client().secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata()
                    .withName("s").endMetadata().addToStringData("password", "hunter2").build()).create();

            var stored = cluster.client().secrets().inNamespace("shop").withName("s").get();
            assertThat(stored.getStringData()).isEmpty();
            assertThat(new String(Base64.getDecoder().decode(stored.getData().get("password")))).isEqualTo("hunter2");

            HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(cluster.url() + "/api/v1/namespaces/shop/secrets")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(list.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(list.body()).contains("\"kind\":\"SecretList\"").contains("\"apiVersion\":\"v1\"");
            assertThat(cluster.calls()).extracting(ApiCall::method).containsSubsequence("POST", "GET", "GET");
        }
    }
}
