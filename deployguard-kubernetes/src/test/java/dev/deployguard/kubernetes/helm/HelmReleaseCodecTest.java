package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class HelmReleaseCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A record shaped as helm 3.17 writes it, plus a field from some future helm. */
    static ObjectNode record(String name, int version, String status) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"name":"%s","info":{"first_deployed":"2026-11-26T00:55:23.277409979Z",
                 "last_deployed":"2026-11-26T01:02:03.5Z","deleted":"","description":"Install complete",
                 "status":"%s","notes":"web serves hello."},
                 "chart":{"metadata":{"name":"web","version":"1.2.0","description":"d","apiVersion":"v2",
                  "appVersion":"2.0.1","type":"application"},"lock":null,
                  "templates":[{"name":"templates/cm.yaml","data":"YQ=="}],"values":{"replicaCount":2},
                  "schema":null,"files":null},
                 "config":{"message":"hi"},
                 "manifest":"---\\n# Source: web/templates/cm.yaml\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: c\\n",
                 "version":%d,"namespace":"apps","apply_method":"csa"}
                """.formatted(name, status, version));
    }

    @Test
    void encodesAsHelmDoesAndDecodesBackEqualKeepingUnknownFields() throws Exception {
        HelmRelease release = HelmRelease.of(record("web", 3, "deployed"));

        String encoded = HelmReleaseCodec.encode(release);
        byte[] gz = Base64.getDecoder().decode(encoded);

        assertThat(Arrays.copyOf(gz, 10)).as("Go's gzip header at BestCompression")
                .containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff);
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(JSON.readTree(in)).isEqualTo(record("web", 3, "deployed"));
        }
        HelmRelease decoded = HelmReleaseCodec.decode(encoded);
        assertThat(decoded).isEqualTo(release);
        assertThat(decoded.json().get("apply_method").asText()).isEqualTo("csa");
        assertThat(decoded.status()).isEqualTo(HelmStatus.DEPLOYED);
        assertThat(decoded.chartName() + "-" + decoded.chartVersion()).isEqualTo("web-1.2.0");
        assertThat(decoded.appVersion()).isEqualTo("2.0.1");
        assertThat(decoded.lastDeployed()).contains(Instant.parse("2026-11-26T01:02:03.5Z"));
        assertThat(decoded.config().path("message").asText()).isEqualTo("hi");
    }

    @Test
    void decodesRecordsWithoutGzipAsHelmDoes() throws Exception {
        String plain = Base64.getEncoder().encodeToString(
                JSON.writeValueAsBytes(record("web", 2, "superseded")));

        HelmRelease decoded = HelmReleaseCodec.decode(plain);

        assertThat(decoded.version()).isEqualTo(2);
        assertThat(decoded.status()).isEqualTo(HelmStatus.SUPERSEDED);
    }

    @Test
    void secretCarriesHelmsNameTypeLabelsAndDoubleBase64() throws Exception {
        HelmRelease release = HelmRelease.of(record("web", 3, "pending-upgrade"));

        Secret secret = HelmReleaseCodec.toSecret(release, Map.of("createdAt", "1795000000", "team", "a"));

        assertThat(secret.getMetadata().getName()).isEqualTo("sh.helm.release.v1.web.v3");
        assertThat(secret.getType()).isEqualTo("helm.sh/release.v1");
        assertThat(secret.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of("name", "web",
                "owner", "helm", "status", "pending-upgrade", "version", "3", "createdAt", "1795000000",
                "team", "a"));
        String inner = new String(Base64.getDecoder().decode(secret.getData().get("release")),
                StandardCharsets.US_ASCII);
        assertThat(HelmReleaseCodec.decode(inner)).isEqualTo(release);
        assertThat(HelmReleaseCodec.fromSecret(secret)).isEqualTo(release);
        assertThat(HelmReleaseCodec.customLabels(secret)).containsExactlyEntriesOf(Map.of("team", "a"));
    }

    @Test
    void damagedRecordsAreRefusedSayingWhatIsWrong() throws Exception {
        String good = HelmReleaseCodec.encode(HelmRelease.of(record("web", 1, "deployed")));
        byte[] gz = Base64.getDecoder().decode(good);
        byte[] truncated = Arrays.copyOf(gz, gz.length / 2);

        assertThatThrownBy(() -> HelmReleaseCodec.decode("not base64 !"))
                .hasMessageContaining("not base64");
        assertThatThrownBy(() -> HelmReleaseCodec.decode(Base64.getEncoder().encodeToString(truncated)))
                .hasMessageContaining("gzip stream is damaged");
        assertThatThrownBy(() -> HelmReleaseCodec.decode(Base64.getEncoder().encodeToString(
                "{\"name\":".getBytes(StandardCharsets.UTF_8)))).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> HelmReleaseCodec.decode(Base64.getEncoder().encodeToString(
                "{\"version\":1}".getBytes(StandardCharsets.UTF_8)))).hasMessageContaining("has no name");
    }

    @Test
    void timesAreWrittenAsGoWritesRfc3339Nano() {
        assertThat(HelmTime.format(Instant.parse("2026-11-26T00:55:23.277409979Z")))
                .isEqualTo("2026-11-26T00:55:23.277409979Z");
        assertThat(HelmTime.format(Instant.parse("2026-11-26T00:55:23.270Z"))).isEqualTo("2026-11-26T00:55:23.27Z");
        assertThat(HelmTime.format(Instant.parse("2026-11-26T00:55:23Z"))).isEqualTo("2026-11-26T00:55:23Z");
        assertThat(HelmTime.parse("2026-11-26T01:55:23.5+01:00")).contains(Instant.parse("2026-11-26T00:55:23.5Z"));
        assertThat(HelmTime.parse("")).isEmpty();
    }
}
