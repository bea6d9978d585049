package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Addresses as users write them in a listener. */
class HostPortTest {
    @Test
    void ipv6HostsAreBracketed() {
        HostPort address = HostPort.parse("[::1]:8080");

        assertThat(address.host()).isEqualTo("::1");
        assertThat(address.port()).isEqualTo(8080);
        assertThat(address).hasToString("[::1]:8080");
        assertThatThrownBy(() -> HostPort.parse("::1:8080")).hasMessageContaining("brackets");
    }

    @Test
    void anAddressMustBeHostAndPort() {
        assertThatThrownBy(() -> HostPort.parse("8080")).hasMessageContaining("expected HOST:PORT");
    }
}
