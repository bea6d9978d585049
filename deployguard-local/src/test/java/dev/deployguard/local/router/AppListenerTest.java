package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import org.junit.jupiter.api.Test;

/** A host router's app listener as the admin API reads it: absent fields mean none, bad ones are refused. */
class AppListenerTest {
    @Test
    void aPlainListenerNeedsOnlyItsAddressAndRoundTrips() throws Exception {
        AppListener plain = RouterJson.STRICT_OPTIONAL.readValue("{\"listen\": \"127.0.0.1:8080\"}",
                AppListener.class);
        assertThat(plain).isEqualTo(AppListener.plain("127.0.0.1:8080"));
        String json = RouterJson.STRICT.writeValueAsString(plain);
        assertThat(json).isEqualTo("{\"listen\":\"127.0.0.1:8080\"}");
        AppListener tls = new AppListener("127.0.0.1:8080", "127.0.0.1:8443", "/c.pem", "/k.pem", "/a.log");
        assertThat(RouterJson.STRICT_OPTIONAL.readValue(RouterJson.STRICT.writeValueAsBytes(tls), AppListener.class))
                .isEqualTo(tls);
    }

    @Test
    void badListenersAreRefusedWithTheReason() {
        assertThatThrownBy(() -> RouterJson.STRICT_OPTIONAL.readValue("{\"listen\": \"8080\"}", AppListener.class))
                .isInstanceOf(JsonMappingException.class).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> RouterJson.STRICT_OPTIONAL.readValue("{}", AppListener.class))
                .isInstanceOf(JsonMappingException.class).hasMessageContaining("listen is required");
        assertThatThrownBy(() -> RouterJson.STRICT_OPTIONAL.readValue(
                "{\"listen\": \"127.0.0.1:1\", \"port\": 2}", AppListener.class))
                .isInstanceOf(JsonProcessingException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> new AppListener("127.0.0.1:1", "127.0.0.1:2", "/c.pem", null, null))
                .hasMessageContaining("TLS needs all of tlsListen, tlsCert and tlsKey");
        assertThatThrownBy(() -> new AppListener("127.0.0.1:1", "127.0.0.1:1", "/c.pem", "/k.pem", null))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> HostedApps.checkName("../etc")).hasMessageContaining("not an app name");
        assertThat(HostedApps.checkName("demo-preview")).isEqualTo("demo-preview");
    }
}
