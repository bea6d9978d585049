package dev.deployguard.local.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A host router's app listener as the admin API reads it: absent fields mean none, bad ones are refused. */
class AppListenerTest {
    @Test
    void aPlainListenerNeedsOnlyItsAddressAndRoundTrips() throws Exception {
        AppListener plain = RouterCodec.listener("{\"listen\": \"127.0.0.1:8080\"}".getBytes(UTF_8));
        assertThat(plain).isEqualTo(AppListener.plain("127.0.0.1:8080"));
        String json = new String(RouterCodec.json(plain), UTF_8);
        assertThat(json).isEqualTo("{\"listen\":\"127.0.0.1:8080\"}");
        AppListener tls = new AppListener("127.0.0.1:8080", "127.0.0.1:8443", "/c.pem", "/k.pem", "/a.log");
        assertThat(RouterCodec.listener(RouterCodec.json(tls))).isEqualTo(tls);
        assertThat(RouterCodec.listener(RouterCodec.pretty(tls))).isEqualTo(tls);
        assertThat(RouterJson.STRICT_OPTIONAL.readValue(RouterCodec.json(tls), AppListener.class))
                .as("the control plane reads what the router writes").isEqualTo(tls);
    }

    @Test
    void badListenersAreRefusedWithTheReason() {
        assertThatThrownBy(() -> RouterCodec.listener("{\"listen\": \"8080\"}".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> RouterCodec.listener("{}".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listen is required");
        assertThatThrownBy(() -> RouterCodec.listener("{\"listen\": \"127.0.0.1:1\", \"port\": 2}".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown field 'port'; expected one of: listen, tlsListen, tlsCert, tlsKey, accessLog");
        assertThatThrownBy(() -> RouterCodec.listener("{\"listen\": 8080}".getBytes(UTF_8)))
                .hasMessage("listen must be a string");
        assertThatThrownBy(() -> new AppListener("127.0.0.1:1", "127.0.0.1:2", "/c.pem", null, null))
                .hasMessageContaining("TLS needs all of tlsListen, tlsCert and tlsKey");
        assertThatThrownBy(() -> new AppListener("127.0.0.1:1", "127.0.0.1:1", "/c.pem", "/k.pem", null))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> HostedApps.checkName("../etc")).hasMessageContaining("not an app name");
        assertThat(HostedApps.checkName("demo-preview")).isEqualTo("demo-preview");
    }
}
