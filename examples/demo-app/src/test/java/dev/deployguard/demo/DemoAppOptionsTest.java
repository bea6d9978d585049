package dev.deployguard.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DemoAppOptionsTest {

    @Test
    void argumentsWinOverEnvironmentPort() {
        assertThat(DemoApp.Options.parse(new String[] {"--port", "8081", "--version", "v2"}, "9000"))
                .isEqualTo(new DemoApp.Options(8081, "v2"));
    }

    @Test
    void portMayComeFromEnvironment() {
        assertThat(DemoApp.Options.parse(new String[] {"--version=v1"}, "9000"))
                .isEqualTo(new DemoApp.Options(9000, "v1"));
    }

    @Test
    void versionIsRequired() {
        assertThatThrownBy(() -> DemoApp.Options.parse(new String[] {"--port", "1"}, null))
                .hasMessageContaining("--version is required");
    }
}
