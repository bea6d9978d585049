package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouterLimitsTest {
    private static final String BODY = "deployguard.router.maxBodyBytes";
    private static final String RESPONSE = "deployguard.router.responseTimeoutMs";

    @AfterEach
    void clear() {
        System.clearProperty(BODY);
        System.clearProperty(RESPONSE);
    }

    @Test
    void defaultsAreThoseOfAFrontProxy() {
        RouterLimits limits = RouterLimits.fromSystemProperties();

        assertThat(limits).isEqualTo(RouterLimits.DEFAULT);
        assertThat(limits.maxBodyBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(limits.clientIdleTimeoutMs()).isEqualTo(30_000);
        assertThat(limits.responseTimeoutMs()).isEqualTo(60_000);
        assertThat(limits.tunnelIdleTimeoutMs()).isEqualTo(300_000);
    }

    @Test
    void propertiesChangeThemAndZeroMeansNoBodyLimit() {
        System.setProperty(BODY, " 0 ");
        System.setProperty(RESPONSE, "1500");

        RouterLimits limits = RouterLimits.fromSystemProperties();

        assertThat(limits.responseTimeoutMs()).isEqualTo(1500);
        assertThat(limits.bodyTooLarge(Long.MAX_VALUE)).isFalse();
        assertThat(RouterLimits.DEFAULT.bodyTooLarge(100L * 1024 * 1024)).isFalse();
        assertThat(RouterLimits.DEFAULT.bodyTooLarge(100L * 1024 * 1024 + 1)).isTrue();
        assertThat(RouterLimits.DEFAULT.bodyTooLarge(-1)).as("no Content-Length").isFalse();
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        System.setProperty(BODY, "10MB");
        assertThatThrownBy(RouterLimits::fromSystemProperties).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Ddeployguard.router.maxBodyBytes is not a whole number: '10MB'");

        System.setProperty(BODY, "1");
        System.setProperty(RESPONSE, "0");
        assertThatThrownBy(RouterLimits::fromSystemProperties).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeouts must be positive");
    }
}
